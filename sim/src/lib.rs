//! Viper simulator.
