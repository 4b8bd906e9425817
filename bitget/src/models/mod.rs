//! Typed request and response structs of every endpoint of spec §5, money as `Decimal`.

pub mod account;
pub mod de;
pub mod enums;
pub mod ids;
pub mod key;
pub mod lenient;
pub mod market;
pub mod order;
pub mod order_req;
pub mod plan;
pub mod position;
pub(crate) mod wire_enum;

pub use account::*;
pub use enums::*;
pub use ids::*;
pub use key::*;
pub use market::*;
pub use order::*;
pub use order_req::*;
pub use plan::*;
pub use position::*;
