mod request;
pub use request::Request;
