//! Synthetic cohort generator: free-text reports, whole-body PET/CT phantoms as DICOM, outcomes.
