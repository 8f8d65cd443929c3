// SPDX-License-Identifier: GPL-2.0

//! The root of a trimmed kernel crate, written for the Refcount Review end-to-end tests.
//!
//! Only its place matters: a `rust/kernel/` directory is what marks this tree as a Linux kernel
//! source tree, so every Rust file in it is reviewed under the Linux kernel memory model.

#![no_std]

pub mod prelude;
pub mod sync;
