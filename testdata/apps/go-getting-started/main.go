// Command go-getting-started is written the way Heroku's Go sample app is: the Go
// buildpack installs it as bin/go-getting-started and the Procfile runs it by name.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	migrate := flag.Bool("migrate", false, "run the release phase's migrations and exit")
	flag.Parse()
	if *migrate {
		fmt.Printf("migrated by go-getting-started in %s\n", os.Getenv("DYNO"))
		return
	}
	port := os.Getenv("PORT")
	if port == "" {
		log.Fatal("$PORT must be set")
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from go-getting-started (%s)\n", os.Getenv("GREETING_FROM_PROFILE"))
	})
	log.Printf("listening on %s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
