//! Shared by the API and browser tests: a small tagged fixture and an in-process server that
//! can be stopped abruptly (its runtime is dropped with every task in flight, as a crash would).

#![allow(dead_code)]

use std::path::Path;
use uptake_annotate::{
    Candidate, CandidateMention, Journal, JournalError, RegionCatalog, RegionInfo, ServeOptions,
    Server,
};

pub const REGIONS: &[(&str, &str)] = &[
    ("head", "Head"),
    ("pelvis", "Pelvis"),
    ("spine", "Spine"),
    ("liver", "Liver"),
    ("kidney", "Kidney"),
    ("adrenal", "Adrenal gland"),
    ("retroperitoneal_lymph_node", "Retroperitoneal lymph node"),
    ("axillary_lymph_node", "Axillary lymph node"),
    ("hilar_lymph_node", "Hilar lymph node"),
];

pub fn catalog() -> RegionCatalog {
    RegionCatalog::new(
        REGIONS
            .iter()
            .map(|(n, d)| RegionInfo {
                name: n.to_string(),
                display_name: d.to_string(),
            })
            .collect(),
    )
}

/// Character span of `needle` in `text` (the first occurrence).
pub fn span(text: &str, needle: &str) -> (usize, usize) {
    let byte = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}

fn candidate(id: &str, text: &str, mentions: &[(&str, &str)]) -> Candidate {
    Candidate {
        id: id.to_string(),
        exam_id: Some(format!("EX{}", &id[1..])),
        section: Some("findings".into()),
        text: text.to_string(),
        context_before: "Comparison: PET/CT of 3 months ago.".into(),
        context_after: "Remaining uptake is physiologic.".into(),
        mentions: mentions
            .iter()
            .map(|(needle, region)| {
                let (start, end) = span(text, needle);
                CandidateMention {
                    start,
                    end,
                    region: region.to_string(),
                }
            })
            .collect(),
    }
}

/// Six tagged sentences; s4's tag has the wrong region and too long a span, s5 has accented
/// text before its mention (character offsets differ from UTF-16 and byte offsets).
pub fn pool() -> Vec<Candidate> {
    vec![
        candidate(
            "s1",
            "Intense FDG uptake in the right adrenal gland, SUVmax 9.1.",
            &[("right adrenal gland", "adrenal")],
        ),
        candidate(
            "s2",
            "Physiologic activity in the brain and bladder.",
            &[("brain", "head"), ("bladder", "pelvis")],
        ),
        candidate(
            "s3",
            "Hypermetabolic para-aortic nodes and a lytic lesion of L2.",
            &[
                ("para-aortic nodes", "retroperitoneal_lymph_node"),
                ("L2", "spine"),
            ],
        ),
        candidate(
            "s4",
            "Focal uptake in the left renal upper pole, suspicious.",
            &[("the left renal", "liver")],
        ),
        candidate(
            "s5",
            "Résumé — the lésion near the liver is unchanged.",
            &[("liver", "liver")],
        ),
        candidate(
            "s6",
            "Hypermetabolic left axillary node and right hilar node.",
            &[
                ("left axillary node", "axillary_lymph_node"),
                ("right hilar node", "hilar_lymph_node"),
            ],
        ),
    ]
}

pub fn sample_ids() -> Vec<String> {
    pool().iter().map(|c| c.id.clone()).collect()
}

/// A server running on its own runtime.
pub struct Running {
    runtime: Option<tokio::runtime::Runtime>,
    /// The address to open (with `?token=` when every request needs it).
    pub url: String,
    /// `http://host:port`.
    pub base: String,
    /// The session token (every change must carry it).
    pub token: String,
    /// The access token, when every request must carry it.
    pub access_token: Option<String>,
}

impl Running {
    /// Opens (or resumes) the session writing to `out` and serves it on a free loopback port.
    pub fn start(out: &Path, require_token: bool) -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        // A killed server's runtime drops its tasks (and so the journal's lock) on its own
        // threads; wait for that, as a restart after a real kill waits for the process to die.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let journal = loop {
            match Journal::open(out, &pool(), &sample_ids(), Some("tester".into())) {
                Err(JournalError::Locked { .. }) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.unwrap(),
            }
        };
        let options = ServeOptions {
            host: [127, 0, 0, 1].into(),
            port: 0,
            require_token,
        };
        let server = runtime
            .block_on(Server::bind(journal, catalog(), &options))
            .unwrap();
        let url = server.url();
        let base = format!("http://{}", server.local_addr());
        let token = server.session_token().to_string();
        let access_token = server.token().map(str::to_string);
        runtime.spawn(server.run_until(std::future::pending()));
        Running {
            runtime: Some(runtime),
            url,
            base,
            token,
            access_token,
        }
    }

    /// Stops at once: every task is dropped wherever it is; nothing gets to flush or clean up.
    pub fn kill(mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
