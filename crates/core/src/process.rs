//! Process-wide settings that a program built on uptake makes first thing in `main`, before any
//! other thread exists (the `uptake` binary does): how the allocator keeps freed memory, and
//! how output into a closed pipe ends the program. See also
//! [`crate::interrupt::clean_up_on_signals`].

/// Keeps freed tensor buffers in the heap for reuse. By default glibc maps large buffers fresh
/// from the kernel and unmaps them on free, so every layer of the networks pays page faults
/// and page zeroing for its outputs: 10 % of report-model labelling time and 12 % of a full
/// I3D training step on a CPU. Freed memory stays with the process: the full I3D step's peak
/// RSS rose from 3.4 to 3.9 GiB (docs/scan-model.md). Elsewhere than glibc it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// Output into a closed pipe (`uptake evaluate ... | head`) ends the program as it ends `cat`:
/// by SIGPIPE, status 141 in a shell, instead of a panic in `println!`. Not for servers, whose
/// sockets must see a closed peer as an error rather than a signal.
pub fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: resets one signal to its default action before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
