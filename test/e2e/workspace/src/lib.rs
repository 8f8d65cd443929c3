//! Workspace for the Refcount Review end-to-end tests (never compiled: it mirrors kernel code).
pub mod block;
