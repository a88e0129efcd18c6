//! The process's use of glibc's allocator over a long run: analysis reads
//! a store day after day, and glibc's defaults keep what each day freed.
//! Elsewhere (musl, macOS) these are no-ops.

/// Hands memory freed by the day just analysed back to the operating
/// system. glibc keeps freed heap memory for reuse, and day after day the
/// heap grows with the number of days read (226 MB for 150 days, 156 MB for
/// 30, without this; 121 MB with it), though nothing is kept.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of each heap;
    // it has no preconditions and touches no memory in use.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// Has every block of 4 MiB or more allocated on its own and handed back
/// to the operating system when freed, for the rest of the run. glibc
/// raises its threshold for that to the largest such block freed so far,
/// and then keeps each day's column buffers in its heaps, where they
/// fragment: a year's `usage` peaked at 205 MB against a week's 159 MB
/// with the moving threshold, and at 176 MB against 159 MB with this. To
/// be called first thing (set after the first large blocks, it saved
/// nothing), and not for ingest, whose 4 MiB blocks it would make fault in
/// afresh each time (0.2-0.3 s more system time on 1 GB).
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes glibc's arena lock and changes a tuning value;
    // it has no preconditions and touches no memory in use.
    unsafe {
        nix::libc::mallopt(nix::libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

/// Makes room in `v` for `additional` more items, growing it by a quarter
/// at least rather than doubling it: for the lists an analysis holds per
/// person for the whole run (flagged days), whose doubling left a year's
/// lists a third empty on average. Amortised growth stays linear.
pub fn reserve_by_quarters<T>(v: &mut Vec<T>, additional: usize) {
    let free = v.capacity() - v.len();
    if additional > free {
        v.reserve_exact(additional.max(v.len() / 4).max(4));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 100 pushes onto an empty list grow it to 4, 8, 12, 16, 20, 25, 31,
    /// 38, 47, 58, 72, 90 and 112 places (doubling would end at 128).
    #[test]
    fn lists_grow_by_quarters() {
        let mut v: Vec<u8> = Vec::new();
        let mut seen = Vec::new();
        for _ in 0..100 {
            reserve_by_quarters(&mut v, 1);
            v.push(0);
            if seen.last() != Some(&v.capacity()) {
                seen.push(v.capacity());
            }
        }
        assert_eq!(seen, [4, 8, 12, 16, 20, 25, 31, 38, 47, 58, 72, 90, 112]);
    }
}
