//! Weak labels from mentions: the regex and rule labellers, and noisy-OR propagation up the ontology.
