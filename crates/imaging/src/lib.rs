//! PET/CT ingestion: DICOM and NIfTI in, CT in HU and PET in SUV on one physical grid, the exam store.
