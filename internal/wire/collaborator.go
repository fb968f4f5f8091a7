package wire

// Collaborator gives a user access to an app (GET /apps/{app}/collaborators). Role is
// "owner" or "collaborator".
type Collaborator struct {
	ID          string           `json:"id"`
	App         IDName           `json:"app"`
	User        CollaboratorUser `json:"user"`
	Role        string           `json:"role"`
	Permissions []Permission     `json:"permissions"`
	CreatedAt   string           `json:"created_at"`
	UpdatedAt   string           `json:"updated_at"`
}

// CollaboratorUser is the user of a Collaborator.
type CollaboratorUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Federated bool   `json:"federated"`
}

// Permission is one thing a collaborator may do with an app.
type Permission struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// CollaboratorCreate is the body of POST /apps/{app}/collaborators: User is the email (or
// id) of an existing account.
type CollaboratorCreate struct {
	User   string `json:"user"`
	Silent bool   `json:"silent,omitempty"`
}
