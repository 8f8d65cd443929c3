// A block-mq style request abstraction (kernel Rust), in the shape of the `Refcount` conversion
// discussed on the list: the driver-side count of `ARef<Request>` handles lives in the request's
// private data, and `try_set_end` hands the request back to the block layer by moving the count
// from 2 (one ARef plus the driver's implicit count) to 0.
//
// Refcount Review flags the takeover: it must acquire what holders released.

use core::sync::atomic::Ordering;
use kernel::sync::Refcount;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

pub struct RequestDataWrapper {
    /// 0: owned by the block layer, 1: owned by the driver (no ARef), 2: one ARef, >2: several.
    refcount: Refcount,
}

impl RequestDataWrapper {
    pub(crate) fn refcount(&self) -> &Refcount {
        &self.refcount
    }

    /// Used where only a raw pointer to the wrapper is at hand (the `dec_ref` path).
    pub(crate) unsafe fn refcount_ptr(this: *mut Self) -> *mut Refcount {
        unsafe { core::ptr::addr_of_mut!((*this).refcount) }
    }
}

pub struct Request<T> {
    inner: Opaque<bindings::request>,
    _p: core::marker::PhantomData<T>,
}

impl<T: Operations> Request<T> {
    pub(crate) unsafe fn start_unchecked(this: &ARef<Self>) {
        // The block layer hands us the request: one implicit driver count plus this ARef.
        this.wrapper_ref().refcount().set(2);
        unsafe { bindings::blk_mq_start_request(this.0.get()) };
    }

    fn try_set_end(this: ARef<Self>) -> Result<*mut bindings::request, ARef<Self>> {
        // To hand back the ownership, the count must be exactly 2; we can race with
        // `TagSet::tag_to_rq`, so move it to 0 atomically.
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

    pub fn end_ok(this: ARef<Self>) -> Result<(), ARef<Self>> {
        let request_ptr = Self::try_set_end(this)?;
        unsafe { bindings::blk_mq_end_request(request_ptr, bindings::BLK_STS_OK as _) };
        Ok(())
    }

    fn wrapper_ref(&self) -> &RequestDataWrapper {
        unsafe { &*Self::wrapper_ptr(self as *const Self as *mut Self) }
    }
}

unsafe impl<T: Operations> AlwaysRefCounted for Request<T> {
    fn inc_ref(&self) {
        self.wrapper_ref().refcount().inc();
    }

    unsafe fn dec_ref(obj: core::ptr::NonNull<Self>) {
        let wrapper_ptr = unsafe { Self::wrapper_ptr(obj.as_ptr()) };
        let refcount = unsafe { &*RequestDataWrapper::refcount_ptr(wrapper_ptr) };
        if refcount.dec_and_test() {
            // The driver's implicit count keeps the request alive; reaching zero is a bug.
            panic!("Request reached refcount zero in Rust abstractions");
        }
    }
}
