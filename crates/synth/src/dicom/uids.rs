//! Deterministic UIDs under the 2.25 (UUID-derived integer) root: the same seed and exam give
//! the same UIDs, different ones give different UIDs.

/// Deterministic UIDs under the 2.25 (UUID-derived integer) root.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UidSource {
    /// The cohort's seed.
    pub(crate) seed: u64,
    /// The exam's position in the cohort.
    pub(crate) exam_index: u64,
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl UidSource {
    /// `kind`: 1 study, 2 frame of reference, 3 CT series, 4 PET series, 10 CT instance, 11 PET instance.
    pub(crate) fn uid(&self, kind: u64, n: u64) -> String {
        let a = splitmix(self.seed ^ splitmix(self.exam_index ^ splitmix(kind ^ splitmix(n))));
        let b = splitmix(a ^ 0x5EED);
        // 122 bits like a random UUID, never zero, so the component has no leading zero.
        let v = (((a as u128) << 64) | b as u128) >> 6 | 1;
        format!("2.25.{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_deterministic_valid_and_distinct() {
        let u = UidSource {
            seed: 7,
            exam_index: 3,
        };
        let a = u.uid(10, 1);
        assert_eq!(
            a,
            UidSource {
                seed: 7,
                exam_index: 3
            }
            .uid(10, 1)
        );
        assert_ne!(a, u.uid(10, 2));
        assert_ne!(
            a,
            UidSource {
                seed: 8,
                exam_index: 3
            }
            .uid(10, 1)
        );
        assert!(a.len() <= 64);
        assert!(a.starts_with("2.25.") && !a.starts_with("2.25.0"));
        assert!(a[5..].chars().all(|c| c.is_ascii_digit()));
    }
}
