pub mod mq;
