module example.com/broken-compile

go 1.22
