package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/visagehq/visage/face"
)

// CFP (Celebrities in Frontal-Profile) has two official protocols over
// the same 500 identities: CFP-FF pairs frontal photos with frontal ones,
// CFP-FP frontal with profile. Each is 10 identity-disjoint folds of 350
// same-person and 350 different-person pairs, scored like LFW's View 2.

// cfpFolds is the number of splits in Protocol/Split/{FF,FP}.
const cfpFolds = 10

// OpenCFP reads cfp/Protocol under the datasets folder: the two image
// lists and both protocols' splits. The pairs' paths are relative to cfp/
// ("Data/Images/001/frontal/01.jpg").
func OpenCFP(datasets string) (*Dataset, error) {
	dir := filepath.Join(datasets, "cfp")
	protocol := filepath.Join(dir, "Protocol")
	frontal, err := readCFPList(filepath.Join(protocol, "Pair_list_F.txt"))
	if err != nil {
		return nil, err
	}
	profile, err := readCFPList(filepath.Join(protocol, "Pair_list_P.txt"))
	if err != nil {
		return nil, err
	}
	ff, err := readCFPSplits(filepath.Join(protocol, "Split", "FF"), frontal, frontal)
	if err != nil {
		return nil, err
	}
	fp, err := readCFPSplits(filepath.Join(protocol, "Split", "FP"), frontal, profile)
	if err != nil {
		return nil, err
	}
	return &Dataset{
		Dir:       dir,
		Protocols: []*Protocol{newProtocol("CFP-FF", ff), newProtocol("CFP-FP", fp)},
		stage:     "CFP images",
		opts:      cfpOptions,
		pick:      largestFace,
	}, nil
}

// CFP's photos are loose crops of one person, so the template is the
// largest face's, as `visage compare` takes it from a user's photo.
var cfpOptions = face.Options{Embed: true, MaxFaces: 1}

// largestFace is the first face: the engine returns them largest first.
func largestFace(faces []face.Face) face.Face { return faces[0] }

func readCFPList(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	paths, err := ParseCFPList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return paths, nil
}

// ParseCFPList reads Pair_list_F.txt or Pair_list_P.txt: lines
// "N ../Data/Images/xxx/frontal/yy.jpg" numbered 1, 2, … in order. It
// returns image N's path at [N-1], relative to the cfp/ folder: the
// lists' paths are relative to Protocol/.
func ParseCFPList(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	var paths []string
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want \"N ../Data/Images/…\", got %q", line, sc.Text())
		}
		if n, err := strconv.Atoi(f[0]); err != nil || n != len(paths)+1 {
			return nil, fmt.Errorf("line %d: image number %q, want %d", line, f[0], len(paths)+1)
		}
		rel, ok := strings.CutPrefix(path.Clean(f[1]), "../")
		if !ok || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("line %d: path %q does not lead from Protocol/ into cfp/", line, f[1])
		}
		paths = append(paths, rel)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no images listed")
	}
	return paths, nil
}

// readCFPSplits reads the folds 01..10 under dir (Split/FF or Split/FP):
// their same.txt and then diff.txt, as pairs of first[a-1] and
// second[b-1]. Every file must hold as many pairs as the first, so that a
// truncated split cannot pass for a smaller protocol.
func readCFPSplits(dir string, first, second []string) ([]Pair, error) {
	var pairs []Pair
	perFile := 0
	for fold := range cfpFolds {
		for _, kind := range []string{"same", "diff"} {
			name := filepath.Join(dir, fmt.Sprintf("%02d", fold+1), kind+".txt")
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			idx, err := ParseCFPSplit(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if perFile == 0 {
				perFile = len(idx)
			}
			if len(idx) != perFile {
				return nil, fmt.Errorf("%s: %d pairs, the first split file has %d", name, len(idx), perFile)
			}
			for i, ab := range idx {
				if ab[0] > len(first) || ab[1] > len(second) {
					return nil, fmt.Errorf("%s: pair %d (%d,%d) is beyond the image lists (%d, %d)", name, i+1, ab[0], ab[1], len(first), len(second))
				}
				pairs = append(pairs, Pair{A: first[ab[0]-1], B: second[ab[1]-1], Same: kind == "same", Fold: fold})
			}
		}
	}
	return pairs, nil
}

// ParseCFPSplit reads one split file, same.txt or diff.txt: lines "a,b"
// of 1-based image numbers, a in Pair_list_F and b in Pair_list_F (FF) or
// Pair_list_P (FP).
func ParseCFPSplit(r io.Reader) ([][2]int, error) {
	sc := bufio.NewScanner(r)
	var out [][2]int
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		as, bs, ok := strings.Cut(text, ",")
		a, errA := strconv.Atoi(strings.TrimSpace(as))
		b, errB := strconv.Atoi(strings.TrimSpace(bs))
		if !ok || errA != nil || errB != nil || a < 1 || b < 1 {
			return nil, fmt.Errorf("line %d: want two positive image numbers \"a,b\", got %q", line, text)
		}
		out = append(out, [2]int{a, b})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no pairs")
	}
	return out, nil
}
