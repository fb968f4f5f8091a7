package wire

// ConfigVars is an app's or a release's config: a flat {"KEY": "value"} object
// (GET /apps/{app}/config-vars, GET /apps/{app}/releases/{release}/config-vars).
type ConfigVars map[string]string

// ConfigVarsUpdate is the body of PATCH /apps/{app}/config-vars: a value sets a key, null
// removes it. The response is the whole merged ConfigVars.
type ConfigVarsUpdate map[string]*string
