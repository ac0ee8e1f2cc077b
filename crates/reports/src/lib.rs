//! Radiology report reading, section and sentence splitting, and region mention tagging.
