//! The anatomical region ontology (a DAG loaded from a data file a clinician can edit) and its queries.
