const express = require('express')
const path = require('path')

const port = process.env.PORT || 5006
const app = express()

app.use(express.static(path.join(__dirname, 'public')))
app.get('/hello', (req, res) => res.send('hello from express'))

app.listen(port, () => console.log(`listening on ${port}`))
