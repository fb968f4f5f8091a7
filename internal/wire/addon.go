package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// AddonService is an add-on service (GET /addon-services), e.g. heroku-postgresql.
type AddonService struct {
	CLIPluginName                 *string `json:"cli_plugin_name"`
	CreatedAt                     string  `json:"created_at"`
	HumanName                     string  `json:"human_name"`
	ID                            string  `json:"id"`
	Name                          string  `json:"name"`
	State                         string  `json:"state"`
	SupportsMultipleInstallations bool    `json:"supports_multiple_installations"`
	SupportsSharing               bool    `json:"supports_sharing"`
	UpdatedAt                     string  `json:"updated_at"`
}

// AddonServiceRef is the expanded service nested in an add-on.
type AddonServiceRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	HumanName string `json:"human_name"`
}

// Price is a plan's or an add-on's price; Bera's are all 0.
type Price struct {
	Cents    int    `json:"cents"`
	Contract bool   `json:"contract"`
	Unit     string `json:"unit"`
	Metered  bool   `json:"metered"`
}

// AddonPlan is a plan of a service (GET /addon-services/{s}/plans). Name is "svc:plan".
type AddonPlan struct {
	AddonService                     IDName   `json:"addon_service"`
	Compliance                       []string `json:"compliance"`
	CreatedAt                        string   `json:"created_at"`
	Default                          bool     `json:"default"`
	Description                      string   `json:"description"`
	HumanName                        string   `json:"human_name"`
	ID                               string   `json:"id"`
	InstallableInsidePrivateNetwork  bool     `json:"installable_inside_private_network"`
	InstallableOutsidePrivateNetwork bool     `json:"installable_outside_private_network"`
	Name                             string   `json:"name"`
	Price                            Price    `json:"price"`
	SpaceDefault                     bool     `json:"space_default"`
	State                            string   `json:"state"`
	UpdatedAt                        string   `json:"updated_at"`
	Visible                          bool     `json:"visible"`
}

// AddonPlanRef is the expanded plan nested in an add-on.
type AddonPlanRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Price Price  `json:"price"`
}

// BillingEntity is who pays for an add-on: its app.
type BillingEntity struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Addon is an add-on (GET /apps/{app}/addons). Heroku's CLI reads billed_price (the price
// it prints), the expanded addon_service and plan, state and config_vars.
type Addon struct {
	Actions          []string        `json:"actions"`
	AddonService     AddonServiceRef `json:"addon_service"`
	App              IDName          `json:"app"`
	BilledPrice      *Price          `json:"billed_price"`
	BillingEntity    BillingEntity   `json:"billing_entity"`
	ConfigVars       []string        `json:"config_vars"`
	CreatedAt        string          `json:"created_at"`
	ID               string          `json:"id"`
	Name             string          `json:"name"`
	Plan             AddonPlanRef    `json:"plan"`
	ProviderID       string          `json:"provider_id"`
	ProvisionMessage *string         `json:"provision_message"`
	State            string          `json:"state"`
	UpdatedAt        string          `json:"updated_at"`
	WebURL           *string         `json:"web_url"`
}

// AddonRef is the add-on nested in an attachment, with the plan the CLI's pg commands read.
type AddonRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	App  IDName `json:"app"`
	Plan IDName `json:"plan"`
}

// AddonAttachment gives an app an add-on's config var (GET /apps/{app}/addon-attachments).
// Namespace is null for the default credential.
type AddonAttachment struct {
	Addon       AddonRef `json:"addon"`
	App         IDName   `json:"app"`
	ConfigVars  []string `json:"config_vars"`
	CreatedAt   string   `json:"created_at"`
	ID          string   `json:"id"`
	LogInputURL *string  `json:"log_input_url"`
	Name        string   `json:"name"`
	Namespace   *string  `json:"namespace"`
	UpdatedAt   string   `json:"updated_at"`
	WebURL      *string  `json:"web_url"`
}

// NameRef is a reference that clients send either as a string (an id or name, as the
// schema says) or as an object {"name": …} or {"id": …} (as Heroku's CLI does for plans,
// add-ons and apps). It encodes as {"name": …}.
type NameRef string

// UnmarshalJSON accepts a string or an object with a name or an id.
func (n *NameRef) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*n = ""
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*n = NameRef(s)
		return nil
	}
	var obj struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("expected a string or an object with a name: %w", err)
	}
	*n = NameRef(obj.Name)
	if obj.Name == "" {
		*n = NameRef(obj.ID)
	}
	return nil
}

// MarshalJSON encodes {"name": …}.
func (n NameRef) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name string `json:"name"`
	}{string(n)})
}

// ConfigValue is an add-on option as clients send it: a string, or the boolean true for a
// bare flag (`-- --flag`). It decodes to its text ("true").
type ConfigValue string

// UnmarshalJSON accepts a string, a boolean or a number.
func (v *ConfigValue) UnmarshalJSON(data []byte) error {
	var x any
	if err := json.Unmarshal(data, &x); err != nil {
		return err
	}
	switch x := x.(type) {
	case string:
		*v = ConfigValue(x)
	case bool, float64:
		*v = ConfigValue(bytes.TrimSpace(data))
	default:
		return fmt.Errorf("add-on option values are strings or booleans")
	}
	return nil
}

// AttachmentName is the {name} an add-on's first attachment gets (addons:create --as).
type AttachmentName struct {
	Name string `json:"name,omitempty"`
}

// AddonCreate is the body of POST /apps/{app}/addons (addons:create).
type AddonCreate struct {
	Attachment *AttachmentName        `json:"attachment,omitempty"`
	Config     map[string]ConfigValue `json:"config,omitempty"`
	Confirm    string                 `json:"confirm,omitempty"`
	Name       string                 `json:"name,omitempty"`
	Plan       NameRef                `json:"plan"`
}

// AddonAttachmentCreate is the body of POST /addon-attachments (addons:attach).
type AddonAttachmentCreate struct {
	Addon     NameRef `json:"addon"`
	App       NameRef `json:"app"`
	Confirm   string  `json:"confirm,omitempty"`
	Name      string  `json:"name,omitempty"`
	Namespace *string `json:"namespace,omitempty"`
}

// AddonResolve is the body of POST /actions/addons/resolve; App may be null.
type AddonResolve struct {
	Addon        string  `json:"addon"`
	AddonService string  `json:"addon_service,omitempty"`
	App          *string `json:"app"`
}

// AddonAttachmentResolve is the body of POST /actions/addon-attachments/resolve.
type AddonAttachmentResolve struct {
	AddonAttachment string  `json:"addon_attachment"`
	AddonService    string  `json:"addon_service,omitempty"`
	App             *string `json:"app"`
}
