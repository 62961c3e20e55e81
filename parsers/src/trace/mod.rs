//! Text trace logs: the provisioning agent's .NET trace listener output and the Entra Connect wizard
//! traces. Each grammar lives in its own module; both read UTF-8 lines from any
//! [`Utf8Reader`](crate::text::Utf8Reader).

pub mod agent;
pub mod wizard;
