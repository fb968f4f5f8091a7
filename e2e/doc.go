// Package e2e holds Bera's end-to-end tests: the real bera binary as server and CLI, and the
// official Heroku CLI as a client. Run with BERA_TEST_DB=postgres to use PostgreSQL.
package e2e
