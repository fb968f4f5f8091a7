print("a script, but no web process and no Procfile")
