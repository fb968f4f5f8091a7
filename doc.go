// Package bera holds Bera's domain: plain types, validation and error codes shared by every
// other package. It does no I/O and imports only the standard library.
package bera
