// Package config reads kaohe's settings from one TOML file and KAOHE_*
// environment variables (the environment wins), and validates them at start,
// reporting every problem at once with the file key or variable it came from.
// Passwords are of type Secret, which never prints its value.
package config
