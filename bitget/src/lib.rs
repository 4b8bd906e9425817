//! Viper protocol client.
