package wire

// Slug is a compiled app, as GET /apps/{app}/slugs/{slug} returns it. For a Cloud Native
// Buildpacks build OCIImage names its image (a Bera field; Heroku's Fir apps have OCI
// images instead of slugs).
type Slug struct {
	ID                           string            `json:"id"`
	BuildpackProvidedDescription *string           `json:"buildpack_provided_description"`
	Checksum                     *string           `json:"checksum"`
	Commit                       *string           `json:"commit"`
	CommitDescription            *string           `json:"commit_description"`
	ProcessTypes                 map[string]string `json:"process_types"`
	Size                         *int64            `json:"size"`
	Stack                        IDName            `json:"stack"`
	OCIImage                     *OCIImageRef      `json:"oci_image"`
	CreatedAt                    string            `json:"created_at"`
	UpdatedAt                    string            `json:"updated_at"`
}

// OCIImageRef points at an OCI image: its id and its manifest digest.
type OCIImageRef struct {
	ID     string `json:"id"`
	Digest string `json:"digest"`
}

// OCIImage is an app's image built by Cloud Native Buildpacks, as Heroku's OCI Image
// resource (GET /apps/{app}/oci-images/{id or digest}).
type OCIImage struct {
	ID                string                    `json:"id"`
	Digest            string                    `json:"digest"`
	ImageRepo         string                    `json:"image_repo"`
	Architecture      string                    `json:"architecture"`
	Commit            string                    `json:"commit"`
	CommitDescription string                    `json:"commit_description"`
	Stack             IDName                    `json:"stack"`
	ProcessTypes      map[string]OCIProcessType `json:"process_types"`
	Buildpacks        []OCIImageBuildpack       `json:"buildpacks"`
	CreatedAt         string                    `json:"created_at"`
	UpdatedAt         string                    `json:"updated_at"`
}

// OCIProcessType is one process type of an OCI image.
type OCIProcessType struct {
	Name       string `json:"name"`
	DisplayCmd string `json:"display_cmd"`
}

// OCIImageBuildpack is a buildpack that built an OCI image.
type OCIImageBuildpack struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}
