// Command broken-compile does not compile: the Go buildpack must fail the build.
package main

func main() {
	undefinedFunction()
}
