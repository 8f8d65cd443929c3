// SPDX-License-Identifier: GPL-2.0

//! A block-mq style request wrapper, written for the Refcount Review end-to-end tests.
//!
//! The Rust side counts its `ARef<Request>` handles in `RequestDataWrapper::refcount`:
//!
//! - 0: the block layer owns the request,
//! - 1: the driver owns it but holds no `ARef`,
//! - 2: exactly one `ARef` exists,
//! - more: several `ARef`s exist.

use core::{
    marker::PhantomData,
    ptr::NonNull,
    sync::atomic::Ordering,
};

use crate::{
    bindings,
    sync::{aref::ARef, AlwaysRefCounted, Refcount},
    types::Opaque,
};

/// Per-request data that the Rust abstractions keep next to the C `struct request`.
pub(crate) struct RequestDataWrapper {
    /// Number of `ARef<Request>` handles, plus one while the driver owns the request.
    refcount: Refcount,
}

impl RequestDataWrapper {
    /// Returns the counter of `ARef` handles.
    pub(crate) fn refcount(&self) -> &Refcount {
        &self.refcount
    }
}

/// A wrapper around a C `struct request`, owned by the driver between `queue_rq` and its end.
#[repr(transparent)]
pub struct Request<T: Operations>(Opaque<bindings::request>, PhantomData<T>);

impl<T: Operations> Request<T> {
    /// Called by `queue_rq`: the driver now owns the request and hands out one `ARef`.
    pub(crate) unsafe fn start_unchecked(this: &ARef<Self>) {
        this.wrapper_ref().refcount().set(2);
        // SAFETY: the block layer gave us this request in `queue_rq`.
        unsafe { bindings::blk_mq_start_request(this.0.get()) };
    }

    /// Gives the request back to the block layer if `this` is the last `ARef`.
    ///
    /// Can race with `TagSet::tag_to_rq`, which may take a new reference concurrently, so the
    /// count has to go from 2 to 0 in one atomic step.
    fn try_set_end(this: ARef<Self>) -> Result<*mut bindings::request, ARef<Self>> {
        if this
            .wrapper_ref()
            .refcount()
            .as_atomic()
            .compare_exchange(2, 0, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return Err(this);
        }

        let request_ptr = this.0.get();
        core::mem::forget(this);

        Ok(request_ptr)
    }

    /// Ends the request with `status` if the caller holds the last `ARef`.
    pub fn end_ok(this: ARef<Self>) -> Result<(), ARef<Self>> {
        let request_ptr = Self::try_set_end(this)?;

        // SAFETY: `try_set_end` made us the exclusive owner of the request.
        unsafe { bindings::blk_mq_end_request(request_ptr, bindings::BLK_STS_OK as _) };

        Ok(())
    }

    fn wrapper_ptr(&self) -> NonNull<RequestDataWrapper> {
        let request_ptr = self.0.get();
        // SAFETY: the tag set reserves `RequestDataWrapper` space after every request.
        let wrapper_ptr = unsafe { bindings::blk_mq_rq_to_pdu(request_ptr).cast::<RequestDataWrapper>() };
        // SAFETY: `blk_mq_rq_to_pdu` never returns null.
        unsafe { NonNull::new_unchecked(wrapper_ptr) }
    }

    pub(crate) fn wrapper_ref(&self) -> &RequestDataWrapper {
        // SAFETY: the wrapper lives as long as the request.
        unsafe { self.wrapper_ptr().as_ref() }
    }
}

// SAFETY: every `ARef<Request>` is accounted in the wrapper's refcount.
unsafe impl<T: Operations> AlwaysRefCounted for Request<T> {
    fn inc_ref(&self) {
        self.wrapper_ref().refcount().inc();
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller passes a request it holds a reference to.
        let this = unsafe { obj.as_ref() };

        // Dropping the last `ARef` while the driver still owns the request is a bug: the count
        // never reaches zero here, the driver's implicit reference keeps it at one or more.
        if this.wrapper_ref().refcount().dec_and_test() {
            panic!("request refcount reached zero while the driver owns it");
        }
    }
}
