// The same `Arc` shape with the orderings a first attempt often has: everything Relaxed "because
// the counter is atomic". Refcount Review reports the decrement (holders' writes are not released)
// and the destroy path (nothing acquires them), and the uniqueness test in `get_mut`.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Shared<T> {
    refs: AtomicUsize,
    data: T,
}

pub struct Handle<T> {
    ptr: NonNull<Shared<T>>,
}

impl<T> Handle<T> {
    fn shared(&self) -> &Shared<T> {
        unsafe { self.ptr.as_ref() }
    }

    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        if this.shared().refs.load(Ordering::Relaxed) == 1 {
            Some(unsafe { &mut (*this.ptr.as_ptr()).data })
        } else {
            None
        }
    }
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        self.shared().refs.fetch_add(1, Ordering::Relaxed);
        Handle { ptr: self.ptr }
    }
}

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {
        if self.shared().refs.fetch_sub(1, Ordering::Relaxed) == 1 {
            unsafe { drop(Box::from_raw(self.ptr.as_ptr())) };
        }
    }
}
