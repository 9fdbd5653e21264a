package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/visagehq/visage/internal/fakecam"
	"github.com/visagehq/visage/liveness"
)

// The presentation-attack bench: whole widget sessions played over HTTP
// against a server, as a page would play them, with the frames an
// attacker would send — a photo held still, rotated, tilted in
// perspective, squeezed, folded or curved to imitate the movement asked
// for, NUAA's real printed photos moved by hand, a genuine clip that
// answers another session's movements, another person's turn — and the
// frames a person would send, made from head-turns' real photographs:
// frontal frames, then the person's turned photo held, each frame another
// crop and JPEG encoding, as a camera gives.

// Person is one head-turns subject: frontal and turned photos.
type Person struct {
	Name    string
	Enroll  []byte      // the photo the person is enrolled with
	Frontal image.Image // the still frames' photo
	// Left and Right are the photo with the head turned to the person's
	// left (nose to the image's right) and right.
	Left, Right image.Image
}

// LoadPeople reads the 30 head-turns persons of dir (the datasets
// folder). Each is enrolled from the happy frontal photo and plays from
// the neutral one, so the photo a session shows is never the enrolled
// one.
func LoadPeople(dir string) ([]Person, error) {
	root := filepath.Join(dir, "head-turns")
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("head-turns: %w", err)
	}
	var out []Person
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "person") {
			continue
		}
		p := Person{Name: e.Name()}
		read := func(name string) ([]byte, image.Image, error) {
			b, err := os.ReadFile(filepath.Join(root, e.Name(), name))
			if err != nil {
				return nil, nil, err
			}
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				return nil, nil, err
			}
			// Frames are cut from it hundreds of times: decode it once,
			// into pixels that can be read directly.
			return b, fakecam.RGBA(img), nil
		}
		if p.Enroll, _, err = read("yaw+0_pitch+0_happy.jpg"); err != nil {
			return nil, err
		}
		if _, p.Frontal, err = read("yaw+0_pitch+0_neutral.jpg"); err != nil {
			return nil, err
		}
		if _, p.Left, err = read("yaw+30_pitch+0.jpg"); err != nil {
			return nil, err
		}
		if _, p.Right, err = read("yaw-30_pitch+0.jpg"); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("head-turns: no person folders in %s", root)
	}
	return out, nil
}

// Clip makes a session's frames: given the server's last guidance, the
// next JPEG to send, or nil to stop sending.
type Clip interface {
	Next(guidance string) []byte
}

// Class is one kind of session the bench plays.
type Class struct {
	Name string
	// Genuine sessions should log in; every other class should not.
	Genuine bool
	// Gap is the time between frames; 0 means the widget's pace.
	Gap time.Duration
	// Alone plays the class one session at a time: frames sent faster
	// than a camera's pace reach the server that fast only when it is
	// not busy with other sessions (a sender cannot outrun the answers).
	Alone bool
	// New makes the clip of session i.
	New func(i int, r *rand.Rand) (clip Clip, expect string)
}

// Genuine is a person doing what the server asks, from their real
// photos: frontal for the still frames and when asked to face the
// camera, the turned photo for a turn, held while told to hold. turner,
// when not p, is someone else who steps in for the turns.
func Genuine(p, turner Person, r *rand.Rand) Clip { return &person{p: p, turner: turner, r: r} }

// Contrary is a recording of p made for other movements: it turns the
// other way to each turn asked.
func Contrary(p Person, r *rand.Rand) Clip { return &person{p: p, turner: p, swap: true, r: r} }

// Held is a photo held up to the camera by an attacker: facing it for the
// still frames, then moved as move says for each movement asked (turnLeft
// says which way).
func Held(photo image.Image, move func(turnLeft bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp), r *rand.Rand) Clip {
	return &print{photo: photo, move: move, r: r}
}

// The ways an attacker moves a photo when a turn is asked (turning to
// the person's left shows the image's right side further away).

// Rotated turns the print 10–30° in the image plane, either way.
func Rotated(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
	return fakecam.Pose{Roll: sign(r.IntN(2) == 0) * between(r, 10, 30)}, nil
}

// Perspective turns the print 20–50° about its vertical axis, its far
// edge shrinking as a turned face's far cheek does, and up to 10° about
// the other.
func Perspective(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
	return fakecam.Pose{Yaw: -sign(left) * between(r, 20, 50), Pitch: between(r, -10, 10)}, nil
}

// Squeezed squeezes the half of the photo that a turn would narrow to
// 45–80 %: the cheap software attack.
func Squeezed(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
	return fakecam.Pose{}, fakecam.Squeeze(left, between(r, 0.45, 0.8))
}

// Folded folds the print 40–100° along a vertical line near its middle,
// the ridge towards the camera as a nose is, and turns it 15–40°.
func Folded(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
	return fakecam.Pose{Surface: fakecam.Folded, Bend: between(r, 40, 100), Yaw: -sign(left) * between(r, 15, 40),
		FoldX: between(r, -0.06, 0.06)}, nil
}

// Curved bends the print 60–150° around a vertical axis and turns it
// 15–40°.
func Curved(left bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp) {
	return fakecam.Pose{Surface: fakecam.Cylinder, Bend: between(r, 60, 150), Yaw: -sign(left) * between(r, 15, 40)}, nil
}

type person struct {
	p, turner Person
	swap      bool
	pose      image.Image
	r         *rand.Rand
}

func (c *person) Next(g string) []byte {
	switch g {
	case "turn_left", "turn_right":
		left := g == "turn_left"
		if c.swap {
			left = !left
		}
		c.pose = c.turner.Right
		if left {
			c.pose = c.turner.Left
		}
	case "hold":
	default:
		c.pose = c.p.Frontal
	}
	return fakecam.Camera(c.pose, c.r)
}

// print answers guidance with one photo held as an attacker would hold
// it: flat and facing the camera for the still frames, and for each
// movement asked, moved as move says (turnLeft tells which way).
type print struct {
	photo image.Image
	move  func(turnLeft bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp)
	r     *rand.Rand
	// The pose of the current movement, drawn once per movement and
	// jittered per frame.
	pose  fakecam.Pose
	warp  fakecam.Warp
	moved bool
}

func (c *print) Next(g string) []byte {
	switch g {
	case "turn_left", "turn_right", "nod_up", "nod_down":
		if !c.moved {
			c.pose, c.warp = c.move(g == "turn_left" || g == "nod_up", c.r)
			c.moved = true
		}
	case "hold":
	default:
		c.pose, c.warp, c.moved = fakecam.Pose{}, nil, false
	}
	p := c.pose
	// The hand is never quite still.
	p.DX += (c.r.Float64() - 0.5) * 10
	p.DY += (c.r.Float64() - 0.5) * 10
	p.Size = 1 + (c.r.Float64()-0.5)*0.05
	if c.pose.Size != 0 {
		p.Size = c.pose.Size * p.Size
	}
	return fakecam.Camera(fakecam.Render(c.photo, p, c.warp), c.r)
}

// fixed plays recorded frames in order whatever the server says, looping
// loops times.
type fixed struct {
	frames [][]byte
	loops  int
	i      int
}

func (c *fixed) Next(string) []byte {
	if c.i >= len(c.frames)*c.loops {
		return nil
	}
	f := c.frames[c.i%len(c.frames)]
	c.i++
	return f
}

func between(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

func sign(b bool) float64 {
	if b {
		return 1
	}
	return -1
}

// PadClasses are the bench's session classes over people (and NUAA's
// printed photos, when nuaa has frames).
func PadClasses(people []Person, nuaa map[string][][]byte) []Class {
	at := func(i int) Person { return people[i%len(people)] }
	attack := func(name string, move func(turnLeft bool, r *rand.Rand) (fakecam.Pose, fakecam.Warp)) Class {
		return Class{Name: name, New: func(i int, r *rand.Rand) (Clip, string) {
			return Held(at(i).Frontal, move, r), at(i).Name
		}}
	}
	classes := []Class{
		{Name: "genuine", Genuine: true, New: func(i int, r *rand.Rand) (Clip, string) {
			return Genuine(at(i), at(i), r), at(i).Name
		}},
		attack("still photo", func(bool, *rand.Rand) (fakecam.Pose, fakecam.Warp) { return fakecam.Pose{}, nil }),
		attack("rotation", Rotated),
		attack("perspective", Perspective),
		attack("squeeze", Squeezed),
		attack("fold", Folded),
		attack("cylinder", Curved),
		// A genuine session recorded for other movements, replayed: it
		// turns the other way each time.
		{Name: "wrong movement", New: func(i int, r *rand.Rand) (Clip, string) {
			return Contrary(at(i), r), at(i).Name
		}},
		// The enrolled person's still frames, then someone else turns.
		{Name: "other person's turn", New: func(i int, r *rand.Rand) (Clip, string) {
			return Genuine(at(i), at(i+1), r), at(i).Name
		}},
		// A genuine clip sent faster than a camera gives frames: the
		// still frames and both turns in a burst.
		{Name: "frames too fast", Gap: 20 * time.Millisecond, Alone: true, New: func(i int, r *rand.Rand) (Clip, string) {
			p := at(i)
			var frames [][]byte
			for _, img := range []image.Image{p.Frontal, p.Frontal, p.Frontal, p.Left, p.Left, p.Left, p.Frontal, p.Frontal, p.Right, p.Right, p.Right} {
				frames = append(frames, fakecam.Camera(img, r))
			}
			return &fixed{frames: frames, loops: 1}, p.Name
		}},
	}
	if len(nuaa) > 0 {
		subjects := slices.Sorted(func(yield func(string) bool) {
			for s := range nuaa {
				if !yield(s) {
					return
				}
			}
		})
		classes = append(classes, Class{Name: "NUAA printed photo", New: func(i int, r *rand.Rand) (Clip, string) {
			s := subjects[i%len(subjects)]
			return &fixed{frames: nuaa[s], loops: 3}, "nuaa-" + s
		}})
	}
	return classes
}

// Outcome is how one session ended.
type Outcome struct {
	Session  string
	LoggedIn bool
	Code     string // fio.js's error name, or "" when logged in
	Took     time.Duration
}

// Player plays sessions against a widget server.
type Player struct {
	URL, PublicID string
	// Replicas, when set, are the URLs of servers sharing one store:
	// each request of a session goes to the next in turn, as a load
	// balancer without sticky sessions would send them.
	Replicas []string
	HTTP     *http.Client
	// Verdict, when set, gives a session's liveness verdict as the server
	// recorded it, to say why a genuine session was refused.
	Verdict func(session string) liveness.Reason
}

// Play runs one authenticate session with clip and says how it ended;
// expect is the person the session should be recognised as.
func (p *Player) Play(ctx context.Context, clip Clip, gap time.Duration, expect map[string]string, want string) (Outcome, error) {
	start := time.Now()
	var open struct {
		Session  string `json:"session"`
		Nonce    string `json:"nonce"`
		Interval int    `json:"frame_interval_ms"`
	}
	code, err := p.call(ctx, "POST", "/widget/v1/sessions", "", "application/json",
		fmt.Appendf(nil, `{"public_id":%q,"operation":"authenticate","idle_timeout":20}`, p.PublicID), &open)
	if err != nil || code != "" {
		return Outcome{Code: code}, err
	}
	if gap == 0 {
		gap = time.Duration(open.Interval) * time.Millisecond
	}
	nonce, guidance := open.Nonce, "ok"
	out := Outcome{Session: open.Session}
	for turn := 1; ; turn++ {
		ctx := context.WithValue(ctx, turnKey{}, turn)
		img := clip.Next(guidance)
		if img == nil {
			out.Code = "CLIP_ENDED"
			p.call(ctx, "DELETE", "/widget/v1/sessions/"+open.Session, nonce, "", nil, nil)
			return out, nil
		}
		var ans struct {
			Nonce    string `json:"nonce"`
			Guidance string `json:"guidance"`
			Done     bool   `json:"done"`
			PIN      string `json:"pin"`
		}
		code, err := p.call(ctx, "POST", "/widget/v1/sessions/"+open.Session+"/frames", nonce, "image/jpeg", img, &ans)
		if err != nil || code != "" {
			out.Code, out.Took = code, time.Since(start)
			return out, err
		}
		nonce, guidance = ans.Nonce, ans.Guidance
		if ans.Done {
			break
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(gap):
		}
	}
	var done struct {
		FacialID string `json:"facialId"`
	}
	ctx = context.WithValue(ctx, turnKey{}, -1)
	code, err = p.call(ctx, "POST", "/widget/v1/sessions/"+open.Session+"/complete", "", "application/json",
		fmt.Appendf(nil, `{"nonce":%q}`, nonce), &done)
	out.Took = time.Since(start)
	if err != nil || code != "" {
		out.Code = code
		return out, err
	}
	out.LoggedIn = done.FacialID != ""
	if want != "" && expect[want] != done.FacialID {
		out.Code = "WRONG_PERSON"
	}
	return out, nil
}

// turnKey carries the request's place in its session, which picks its
// replica: 0 opens, 1, 2… are frames, -1 completes.
type turnKey struct{}

// url is where a request goes: to URL, or to the replica whose turn it is.
func (p *Player) url(ctx context.Context) string {
	if len(p.Replicas) == 0 {
		return p.URL
	}
	turn, _ := ctx.Value(turnKey{}).(int)
	if turn < 0 {
		turn = len(p.Replicas) - 1 // the last replica completes
	}
	return p.Replicas[turn%len(p.Replicas)]
}

// call makes one request; a widget error comes back as its code.
func (p *Player) call(ctx context.Context, method, path, nonce, ctype string, body []byte, v any) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.url(ctx)+path, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if nonce != "" {
		req.Header.Set("X-Visage-Nonce", nonce)
	}
	req.Header.Set("Origin", "http://bench.invalid")
	resp, err := p.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
			return fmt.Sprintf("HTTP_%d", resp.StatusCode), nil
		}
		return e.Error.Code, nil
	}
	if v != nil {
		return "", json.Unmarshal(b, v)
	}
	return "", nil
}

// ClassResult sums up one class's sessions.
type ClassResult struct {
	Class    string         `json:"class"`
	Genuine  bool           `json:"genuine"`
	Sessions int            `json:"sessions"`
	LoggedIn int            `json:"logged_in"`
	Ends     map[string]int `json:"ends"` // how the others ended, by code
	// MedianTook is the median time from opening a session to its end.
	MedianTook time.Duration `json:"median_took"`
	// Refused counts a genuine class's sessions that did not log in, by
	// person and code.
	Refused map[string]int `json:"refused,omitempty"`
}

// RunClass plays n sessions of c, conc at a time.
func (p *Player) RunClass(ctx context.Context, c Class, n, conc int, expect map[string]string, seed uint64) (ClassResult, error) {
	res := ClassResult{Class: c.Name, Genuine: c.Genuine, Sessions: n, Ends: map[string]int{}, Refused: map[string]int{}}
	var mu sync.Mutex
	var took []time.Duration
	var firstErr error
	jobs := make(chan int)
	var wg sync.WaitGroup
	if c.Alone {
		conc = 1
	}
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := rand.New(rand.NewPCG(seed, uint64(i)))
				clip, want := c.New(i, r)
				if !c.Genuine {
					want = ""
				}
				o, err := p.Play(ctx, clip, c.Gap, expect, want)
				mu.Lock()
				switch {
				case err != nil:
					if firstErr == nil {
						firstErr = err
					}
				case o.LoggedIn && o.Code == "":
					res.LoggedIn++
				default:
					if o.LoggedIn {
						res.LoggedIn++
					}
					res.Ends[o.Code]++
					if c.Genuine {
						why := want + " " + o.Code
						if p.Verdict != nil && o.Code == "PAD_ATTACK" {
							why += " (" + string(p.Verdict(o.Session)) + ")"
						}
						res.Refused[why]++
					}
				}
				took = append(took, o.Took)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	if len(took) > 0 {
		res.MedianTook = took[len(took)/2]
	}
	return res, firstErr
}
