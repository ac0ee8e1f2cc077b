//! Analysis: AUROC/F1, bootstrap CIs, permutation tests, worklist curves, Cox survival, plots, HTML report.
