package wire

// Stack is a build and run image of the stack list (GET /stacks). Its keys are in
// alphabetical order, as Bera has always sent them.
type Stack struct {
	CreatedAt string `json:"created_at"`
	Default   bool   `json:"default"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	State     string `json:"state"`
	UpdatedAt string `json:"updated_at"`
}

// Region is a place apps run, of the region list (GET /regions). Its keys are in
// alphabetical order, as Bera has always sent them.
type Region struct {
	Country        string `json:"country"`
	CreatedAt      string `json:"created_at"`
	Description    string `json:"description"`
	ID             string `json:"id"`
	Locale         string `json:"locale"`
	Name           string `json:"name"`
	PrivateCapable bool   `json:"private_capable"`
	UpdatedAt      string `json:"updated_at"`
}
