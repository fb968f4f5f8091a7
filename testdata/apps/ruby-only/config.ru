require "sinatra"

get("/") { "hello from ruby" }

run Sinatra::Application
