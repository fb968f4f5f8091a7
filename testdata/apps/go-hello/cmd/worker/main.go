// Command worker is a second main package: the Go buildpack installs it as bin/worker.
package main

import "fmt"

func main() {
	fmt.Println("worker ran")
}
