// SPDX-License-Identifier: GPL-2.0

//! Sector buffers shared between the submission path and the completion handlers of a Rust block
//! driver, written for the Refcount Review end-to-end tests.
//!
//! Each buffer counts its users in `users`. Whoever drops the last user frees the buffer, after
//! reading how much of it was filled to account the bytes back to the pool.

use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed, Release};

/// A sector buffer handed to several completion handlers.
pub struct SectorBuffer {
    /// Number of handlers that still use the buffer.
    users: Atomic<i32>,
    /// Bytes filled so far; each handler writes it before it lets go.
    filled: usize,
}

impl SectorBuffer {
    /// Takes one more user for a handler that is about to be queued.
    pub fn get(&self) {
        self.users.fetch_add(1, Relaxed);
    }

    /// Drops one user; the last one frees the buffer.
    pub fn put(&self) {
        if self.users.fetch_sub(1, Release) == 1 {
            // SAFETY: this was the last user, nobody else can reach the buffer any more.
            drop(unsafe { KBox::from_raw(self as *const Self as *mut Self) });
        }
    }
}
