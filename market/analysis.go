package market

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// Correlation is Spearman's rank correlation with a 95% interval.
type Correlation struct {
	N           int
	Rho         float64
	Low, High   float64 // 95% interval (Fisher z with the Fieller-Hartley-Pearson variance 1.06/(n-3))
	HasInterval bool    // false when n < 4
}

// Ranks returns the fractional ranks (1-based, ties get their mean rank).
func Ranks(x []float64) []float64 {
	// (value, index) pairs sort in place of indexes into x: each
	// comparison reads its neighbours, not two random places of x.
	ps := make([]valueAt, len(x))
	for i, v := range x {
		ps[i] = valueAt{v, int32(i)}
	}
	sortValues(ps, false)
	r := make([]float64, len(x))
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1].v == ps[i].v {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[ps[k].i] = mean
		}
		i = j + 1
	}
	return r
}

// valueAt is a value and where it was.
type valueAt struct {
	v float64
	i int32
}

// Spearman computes ρ of x and y (Pearson correlation of their ranks) and
// its 95% interval. It returns a zero Correlation with N set when n < 3 or
// either side is constant.
func Spearman(x, y []float64) Correlation {
	c := Correlation{N: len(x)}
	if len(x) < 3 || len(x) != len(y) {
		return c
	}
	rho := stat.Correlation(Ranks(x), Ranks(y), nil)
	if math.IsNaN(rho) {
		return c
	}
	c.Rho = rho
	if c.N > 3 {
		se := math.Sqrt(1.06 / float64(c.N-3))
		z := math.Atanh(math.Max(-0.999999, math.Min(0.999999, rho)))
		c.Low, c.High = math.Tanh(z-1.959964*se), math.Tanh(z+1.959964*se)
		c.HasInterval = true
	}
	return c
}

// Fit is an ordinary least squares fit of log10(y) on log10(x): y ≈ 10^Intercept · x^Slope.
// Slope is the elasticity: the % change in y for a 1% change in x.
type Fit struct {
	N                int
	Slope, Intercept float64
	R2               float64
	Residuals        []float64 // log10 residuals, in input order
}

// LogLogFit fits log10(y) = a + b·log10(x). Every x and y must be > 0.
func LogLogFit(x, y []float64) Fit {
	f := Fit{N: len(x)}
	if len(x) < 2 {
		return f
	}
	lx, ly := make([]float64, len(x)), make([]float64, len(y))
	for i := range x {
		lx[i], ly[i] = math.Log10(x[i]), math.Log10(y[i])
	}
	f.Intercept, f.Slope = stat.LinearRegression(lx, ly, nil, false)
	f.R2 = stat.RSquared(lx, ly, nil, f.Intercept, f.Slope)
	f.Residuals = make([]float64, len(x))
	for i := range lx {
		f.Residuals[i] = ly[i] - (f.Intercept + f.Slope*lx[i])
	}
	return f
}

// Predict returns the fitted y for x.
func (f Fit) Predict(x float64) float64 {
	return math.Pow(10, f.Intercept+f.Slope*math.Log10(x))
}

// Concentration describes how unequally GMV is spread over creators.
type Concentration struct {
	N           int
	Top1, Top10 float64 // share of the total held by the top 1% and top 10% (ceil of n·p creators)
	Gini        float64
	LorenzX     []float64 // cumulative share of creators, 0..1
	LorenzY     []float64 // cumulative share of GMV, 0..1
}

// Concentrate computes shares, Gini and a Lorenz curve of points
// non-negative values, with at most points+1 curve points.
func Concentrate(v []float64, points int) Concentration {
	c := Concentration{N: len(v)}
	if len(v) == 0 {
		return c
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	total := 0.0
	for _, x := range s {
		total += x
	}
	if total <= 0 {
		return c
	}
	n := len(s)
	top := func(p float64) float64 {
		k := int(math.Ceil(float64(n) * p))
		sum := 0.0
		for _, x := range s[n-k:] {
			sum += x
		}
		return sum / total
	}
	c.Top1, c.Top10 = top(0.01), top(0.10)
	// Gini = (2·Σ i·x_i)/(n·Σx) − (n+1)/n with x sorted ascending, i from 1.
	w := 0.0
	for i, x := range s {
		w += float64(i+1) * x
	}
	c.Gini = 2*w/(float64(n)*total) - float64(n+1)/float64(n)
	if points < 1 {
		points = 1
	}
	cum := make([]float64, n+1)
	for i, x := range s {
		cum[i+1] = cum[i] + x
	}
	for p := 0; p <= points; p++ {
		k := int(math.Round(float64(p) / float64(points) * float64(n)))
		c.LorenzX = append(c.LorenzX, float64(k)/float64(n))
		c.LorenzY = append(c.LorenzY, cum[k]/total)
	}
	return c
}

// Median returns the median of v (mean of the middle two for even n), NaN for none.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
