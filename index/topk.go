package index

// entry is a candidate face and its best score so far.
type entry struct {
	score float32
	slot  int32
}

// topk keeps the best faces seen so far, at most cap(list), best first.
//
// A sorted array rather than a heap: k is small (1 for authentication), and
// a face must be found in the list to raise its score when another of its
// templates scores higher, which a heap does not make any faster. Offers
// are rare anyway: once the list is full, only a row beating its last entry
// gets here.
type topk struct {
	list  []entry
	floor float32 // minScore: nothing below it enters
	faces []face  // for the IDs that order equal scores
	err   error   // why a scan stopped short: a template it could not read
}

// offer records that e.slot's face scores e.score on one of its templates;
// the caller has checked the score against the floor.
func (t *topk) offer(e entry) {
	for i := range t.list {
		if t.list[i].slot == e.slot {
			if e.score > t.list[i].score {
				t.list[i].score = e.score
				t.up(i)
			}
			return
		}
	}
	if n := len(t.list); n == cap(t.list) {
		if !t.ahead(e, t.list[n-1]) {
			return
		}
		t.list = t.list[:n-1]
	}
	t.list = append(t.list, e)
	t.up(len(t.list) - 1)
}

// up moves the entry at i towards the front until it is in order.
func (t *topk) up(i int) {
	for ; i > 0 && t.ahead(t.list[i], t.list[i-1]); i-- {
		t.list[i], t.list[i-1] = t.list[i-1], t.list[i]
	}
}

// ahead reports whether x ranks before y: higher score, then lower face ID,
// so that ties rank the same in every chunk and in every run.
func (t *topk) ahead(x, y entry) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	return t.faces[x.slot].id < t.faces[y.slot].id
}
