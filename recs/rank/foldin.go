package rank

import "math"

// foldIn computes a viewer embedding from the history, as one ALS user step against the
// model's item embeddings would (implicit feedback, every watched item with confidence
// 1+alpha):
//
//	(VᵀV + reg·I + alpha·Σ vᵢvᵢᵀ) x = (1+alpha)·Σ vᵢ
//
// It is how a viewer the featurestore has no embedding for (new since training, or the
// featurestore is unreachable) still gets personal recommendations from what they just
// watched. Cost: |history|·d²/2 + d³/6 multiply-adds (≈ 15k for 20 items at d = 32).
// It reports false when no history item has an embedding or the system is not positive
// definite.
func (rk *Ranking) foldIn(history []int32) bool {
	ix := rk.ix
	d := ix.dim
	a, b := rk.foldA, rk.foldB
	copy(a, ix.gramReg)
	clear(b)
	alpha := ix.alpha
	used := 0
	for _, h := range history {
		if h < 0 || int(h) >= ix.n || !ix.hasEmb[h] {
			continue
		}
		v := ix.emb[int(h)*d : int(h+1)*d]
		for r := range d {
			vr := float64(v[r])
			b[r] += (1 + alpha) * vr
			row := a[r*d : r*d+r+1]
			for c := range row {
				row[c] += alpha * vr * float64(v[c])
			}
		}
		used++
	}
	if used == 0 || !cholSolve(a, b, d) {
		return false
	}
	for k := range d {
		rk.viewer[k] = float32(b[k])
	}
	return true
}

// update adds plays the viewer embedding u (in rk.viewer) has not seen to it. u solves the
// ALS user step over the viewer's whole history, A u = b; with the fresh plays the step
// becomes (A + alpha·Σ_fresh vvᵀ) x = b + (1+alpha)·Σ_fresh v. A is not stored; it is
// approximated from the recent watches the embedding did see (seen), which is exact for a
// viewer whose history they are and close for one whose recent taste they represent:
//
//	A ≈ VᵀV + reg·I + alpha·Σ_seen vvᵀ,   x = (A + alpha·Σ_fresh vvᵀ)⁻¹ (A u + (1+alpha)·Σ_fresh v)
//
// Cost as foldIn. On a singular system u is kept.
func (rk *Ranking) update(fresh, seen []int32) {
	ix := rk.ix
	d := ix.dim
	a, b := rk.foldA, rk.foldB
	copy(a, ix.gramReg)
	alpha := ix.alpha
	addOuter := func(items []int32) int {
		n := 0
		for _, h := range items {
			if h < 0 || int(h) >= ix.n || !ix.hasEmb[h] {
				continue
			}
			v := ix.emb[int(h)*d : int(h+1)*d]
			for r := range d {
				row := a[r*d : r*d+r+1]
				for c := range row {
					row[c] += alpha * float64(v[r]) * float64(v[c])
				}
			}
			n++
		}
		return n
	}
	addOuter(seen)
	// b = A u, from the lower triangle (A is symmetric).
	u := rk.viewer
	for r := range d {
		var s float64
		for c := range d {
			if c <= r {
				s += a[r*d+c] * float64(u[c])
			} else {
				s += a[c*d+r] * float64(u[c])
			}
		}
		b[r] = s
	}
	if addOuter(fresh) == 0 {
		return
	}
	for _, h := range fresh {
		if h >= 0 && int(h) < ix.n && ix.hasEmb[h] {
			v := ix.emb[int(h)*d : int(h+1)*d]
			for r := range d {
				b[r] += (1 + alpha) * float64(v[r])
			}
		}
	}
	if !cholSolve(a, b, d) {
		return
	}
	for k := range d {
		rk.viewer[k] = float32(b[k])
	}
}

// cholSolve solves A x = b in place for a symmetric positive definite A of which only the
// lower triangle (row-major, d×d) is read; x replaces b and A's lower triangle is
// overwritten with its Cholesky factor. It reports false when A is not positive definite.
func cholSolve(a, b []float64, d int) bool {
	for j := range d {
		s := a[j*d+j]
		for k := range j {
			s -= a[j*d+k] * a[j*d+k]
		}
		if s <= 0 || math.IsNaN(s) {
			return false
		}
		ljj := math.Sqrt(s)
		a[j*d+j] = ljj
		for i := j + 1; i < d; i++ {
			s := a[i*d+j]
			for k := range j {
				s -= a[i*d+k] * a[j*d+k]
			}
			a[i*d+j] = s / ljj
		}
	}
	for i := range d { // L y = b
		s := b[i]
		for k := range i {
			s -= a[i*d+k] * b[k]
		}
		b[i] = s / a[i*d+i]
	}
	for i := d - 1; i >= 0; i-- { // Lᵀ x = y
		s := b[i]
		for k := i + 1; k < d; k++ {
			s -= a[k*d+i] * b[k]
		}
		b[i] = s / a[i*d+i]
	}
	return true
}

// CholSolve is cholSolve for the trainer's ALS steps (same numerics offline and online).
func CholSolve(a, b []float64, d int) bool { return cholSolve(a, b, d) }
