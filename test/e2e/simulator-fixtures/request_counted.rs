// SPDX-License-Identifier: GPL-2.0

//! A block-mq style request whose Rust-side count is a plain `AtomicU64`, written for the
//! Refcount Review simulator end-to-end test.
//!
//! Both halves of the seed bug are spelled out in this file, so the simulator can toggle both:
//! the drop decrements with `fetch_sub(1, Ordering::Relaxed)` and `try_set_end` takes the request
//! back with a Relaxed 2 -> 0 `compare_exchange`. Count states:
//!
//! - 0: the block layer owns the request,
//! - 1: the driver owns it but holds no `ARef`,
//! - 2: exactly one `ARef` exists,
//! - more: several `ARef`s exist.

use core::{
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::{AtomicU64, Ordering},
};

use crate::{
    bindings,
    sync::{aref::ARef, AlwaysRefCounted},
    types::Opaque,
};

/// Per-request data kept by the Rust abstractions after the C `struct request`.
pub(crate) struct CountedRequestData {
    /// Number of `ARef<CountedRequest>` handles, plus one while the driver owns the request.
    refcount: AtomicU64,
}

impl CountedRequestData {
    pub(crate) fn refcount(&self) -> &AtomicU64 {
        &self.refcount
    }
}

/// A C `struct request` owned by the driver between `queue_rq` and its end.
#[repr(transparent)]
pub struct CountedRequest<T: Operations>(Opaque<bindings::request>, PhantomData<T>);

impl<T: Operations> CountedRequest<T> {
    /// Called by `queue_rq`: nobody else can see the request yet, so a plain store is enough.
    pub(crate) unsafe fn start_unchecked(this: &ARef<Self>) {
        this.data().refcount().store(2, Ordering::Relaxed);
        // SAFETY: the block layer handed us this request in `queue_rq`.
        unsafe { bindings::blk_mq_start_request(this.0.get()) };
    }

    /// Hands the request back to the block layer if `this` is the last `ARef`.
    ///
    /// `TagSet::tag_to_rq` may take a new reference at the same time, so the count must go from
    /// 2 to 0 in one atomic step.
    fn try_set_end(this: ARef<Self>) -> Result<*mut bindings::request, ARef<Self>> {
        if this
            .data()
            .refcount()
            .compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(this);
        }

        let request_ptr = this.0.get();
        core::mem::forget(this);

        Ok(request_ptr)
    }

    /// Ends the request successfully if the caller holds the last `ARef`.
    pub fn end_ok(this: ARef<Self>) -> Result<(), ARef<Self>> {
        let request_ptr = Self::try_set_end(this)?;

        // SAFETY: `try_set_end` made us the only owner; the block layer may reuse it from here on.
        unsafe { bindings::blk_mq_end_request(request_ptr, bindings::BLK_STS_OK as _) };

        Ok(())
    }

    fn data(&self) -> &CountedRequestData {
        // SAFETY: the tag set reserves `CountedRequestData` after every request, and it lives as
        // long as the request.
        unsafe { &*bindings::blk_mq_rq_to_pdu(self.0.get()).cast::<CountedRequestData>() }
    }
}

// SAFETY: every `ARef<CountedRequest>` is counted in the request's data.
unsafe impl<T: Operations> AlwaysRefCounted for CountedRequest<T> {
    fn inc_ref(&self) {
        self.data().refcount().fetch_add(1, Ordering::Relaxed);
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller passes a request it holds a reference to.
        let this = unsafe { obj.as_ref() };

        // The driver's implicit reference keeps the count at one or more here.
        this.data().refcount().fetch_sub(1, Ordering::Relaxed);
    }
}
