module github.com/heroku/go-getting-started

go 1.22

toolchain go1.23.4

require github.com/google/uuid v1.6.0
