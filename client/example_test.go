package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/visagehq/visage/client"
)

// The README's example: enroll a person, then recognise them.
func Example() {
	ctx := context.Background()
	c := client.New("http://127.0.0.1:8080", os.Getenv("VISAGE_KEY"))
	photo, _ := os.ReadFile("me.jpg")
	en, err := c.Enroll(ctx, client.EnrollRequest{
		Photos: []client.Photo{client.Bytes(photo)}, ExternalID: "alice", Payload: map[string]int{"user": 42}})
	if err != nil {
		log.Fatal(err) // e.g. visage: NO_FACE (422): …
	}
	f, _ := os.Open("me-again.jpg")
	m, err := c.Authenticate(ctx, client.AuthenticateRequest{Photo: client.Read(f)})
	var e *client.Error
	switch {
	case errors.As(err, &e) && e.Code == "UNRECOGNIZED_FACE":
		fmt.Println("not enrolled")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(m.ExternalID, m.Similarity, m.FacialID == en.FacialID)
	}
}
