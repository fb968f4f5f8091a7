package store

import "github.com/kingvon-ke/bera"

// bera404 returns the not-found error for a resource.
func bera404(resource string) error { return bera.NotFound(resource) }

// The errors below are built fresh on each call so no caller can change a shared value.

func errEmailTaken() error {
	return &bera.Error{Code: bera.EInvalid, Resource: "user", Message: "That email is already taken."}
}

func errAppNameTaken() error {
	return &bera.Error{Code: bera.EInvalid, Resource: "app", Message: "Name is already taken"}
}

func errDupCollaborator() error {
	return &bera.Error{Code: bera.EInvalid, Resource: "collaborator", Message: "User is already a collaborator on app."}
}

func errOwnerRemove() error {
	return &bera.Error{Code: bera.EForbidden, Resource: "collaborator", Message: "The owner cannot be removed."}
}

func errNoProcessType(t string) error {
	return &bera.Error{Code: bera.ENotFound, Resource: "formation", Message: "Couldn't find that process type (" + t + ")."}
}
