//! The labelling tool: a local web app to hand-label tagged mentions fast.
