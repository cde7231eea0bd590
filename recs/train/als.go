package train

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/cuepoint/cuepoint/recs/rank"
)

// factors are ALS embeddings: users×dim and items×dim, row-major.
type factors struct {
	dim   int
	users []float32
	items []float32
	gram  []float64 // ItemsᵀItems
}

func (f *factors) user(u int) []float32 { return f.users[u*f.dim : (u+1)*f.dim] }
func (f *factors) item(i int) []float32 { return f.items[i*f.dim : (i+1)*f.dim] }

// als fits implicit-feedback matrix factorisation (Hu, Koren and Volinsky, 2008): minimise
//
//	Σ_u,i c_ui (p_ui − x_uᵀy_i)² + reg (Σ‖x_u‖² + Σ‖y_i‖²),  p = [r > 0], c = 1 + alpha·r
//
// by alternating exact least-squares steps, each row an independent d×d solve. Rows are
// solved in parallel, each by exactly one worker in a fixed way, so the result does not
// depend on scheduling: the same seed gives the same factors. progress is called after each
// half-step.
func als(ctx context.Context, m *matrix, dim, iterations int, reg, alpha float64, seed uint64, workers int, progress func(done, total int)) (*factors, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rng := rand.New(rand.NewPCG(seed, 0xa15))
	f := &factors{dim: dim, users: make([]float32, m.nu*dim), items: make([]float32, m.ni*dim)}
	scale := 0.1 / math.Sqrt(float64(dim))
	for k := range f.items {
		f.items[k] = float32(rng.NormFloat64() * scale)
	}
	for it := range iterations {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		alsStep(f.users, f.items, m.nu, dim, reg, alpha, workers, m.row)
		if progress != nil {
			progress(2*it+1, 2*iterations)
		}
		alsStep(f.items, f.users, m.ni, dim, reg, alpha, workers, m.col)
		if progress != nil {
			progress(2*it+2, 2*iterations)
		}
	}
	f.gram = gram(f.items, m.ni, dim)
	return f, nil
}

// alsStep solves every row of dst given the fixed factors src:
//
//	(SᵀS + reg·I + Σ_j alpha·r_j s_j s_jᵀ) x = Σ_j (1 + alpha·r_j) s_j
//
// A row with no interactions is zero.
func alsStep(dst, src []float32, rows, dim int, reg, alpha float64, workers int, line func(int) ([]int32, []float32)) {
	g := gram(src, len(src)/dim, dim)
	for k := range dim {
		g[k*dim+k] += reg
	}
	var wg sync.WaitGroup
	chunk := (rows + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min(rows, (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := make([]float64, dim*dim), make([]float64, dim)
			for r := lo; r < hi; r++ {
				out := dst[r*dim : (r+1)*dim]
				idx, val := line(r)
				if len(idx) == 0 {
					clear(out)
					continue
				}
				copy(a, g)
				clear(b)
				for k, j := range idx {
					s := src[int(j)*dim : (int(j)+1)*dim]
					c := alpha * float64(val[k])
					for p := range dim {
						sp := float64(s[p])
						b[p] += (1 + c) * sp
						cp := c * sp
						row := a[p*dim : p*dim+p+1]
						for q := range row {
							row[q] += cp * float64(s[q])
						}
					}
				}
				if !rank.CholSolve(a, b, dim) {
					clear(out)
					continue
				}
				for p := range dim {
					out[p] = float32(b[p])
				}
			}
		}()
	}
	wg.Wait()
}

// gram returns VᵀV of the n×dim matrix v (both triangles filled).
func gram(v []float32, n, dim int) []float64 {
	g := make([]float64, dim*dim)
	for i := range n {
		row := v[i*dim : (i+1)*dim]
		for p := range dim {
			vp := float64(row[p])
			if vp == 0 {
				continue
			}
			for q := 0; q <= p; q++ {
				g[p*dim+q] += vp * float64(row[q])
			}
		}
	}
	for p := range dim {
		for q := 0; q < p; q++ {
			g[q*dim+p] = g[p*dim+q]
		}
	}
	return g
}
