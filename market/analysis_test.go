package market

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", name, got, want, tol)
	}
}

func TestRanksTies(t *testing.T) {
	got := Ranks([]float64{10, 30, 20, 30, 5})
	want := []float64{2, 4.5, 3, 4.5, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Ranks = %v, want %v", got, want)
		}
	}
}

func TestSpearmanMonotone(t *testing.T) {
	// Any strictly increasing relation is a perfect rank correlation, however curved.
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Exp(v)
	}
	c := Spearman(x, y)
	near(t, "rho", c.Rho, 1, 1e-12)
	for i, j := 0, len(y)-1; i < j; i, j = i+1, j-1 {
		y[i], y[j] = y[j], y[i]
	}
	near(t, "reversed rho", Spearman(x, y).Rho, -1, 1e-12)
}

func TestSpearmanHandComputed(t *testing.T) {
	// Ranks of y: 2,1,4,3,5; d = -1,1,-1,1,0; Σd² = 4; ρ = 1 - 6·4/(5·24) = 0.8.
	c := Spearman([]float64{1, 2, 3, 4, 5}, []float64{20, 10, 40, 30, 50})
	near(t, "rho", c.Rho, 0.8, 1e-12)
	// 95% interval: z = atanh(0.8) = 1.098612, se = sqrt(1.06/2) = 0.728011.
	near(t, "low", c.Low, math.Tanh(1.0986123-1.959964*0.7280110), 1e-6)
	near(t, "high", c.High, math.Tanh(1.0986123+1.959964*0.7280110), 1e-6)
	if !c.HasInterval || c.N != 5 {
		t.Errorf("interval %v n %d", c.HasInterval, c.N)
	}
}

func TestSpearmanDegenerate(t *testing.T) {
	if c := Spearman([]float64{1, 2}, []float64{3, 4}); c.Rho != 0 || c.HasInterval {
		t.Errorf("two points: %+v", c)
	}
	if c := Spearman([]float64{1, 2, 3, 4}, []float64{5, 5, 5, 5}); c.Rho != 0 {
		t.Errorf("constant y: %+v", c)
	}
}

func TestLogLogFitPowerLaw(t *testing.T) {
	// y = 3·x^0.5 exactly: slope 0.5, intercept log10(3), R² 1.
	x := []float64{100, 1000, 10000, 100000, 1e6}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 3 * math.Sqrt(v)
	}
	f := LogLogFit(x, y)
	near(t, "slope", f.Slope, 0.5, 1e-12)
	near(t, "intercept", f.Intercept, math.Log10(3), 1e-12)
	near(t, "R2", f.R2, 1, 1e-12)
	near(t, "predict", f.Predict(400), 60, 1e-9)
}

func TestConcentrationKnown(t *testing.T) {
	// Values 1,2,3,4: Gini = 2·(1+4+9+16)/(4·10) − 5/4 = 0.25.
	c := Concentrate([]float64{4, 1, 3, 2}, 4)
	near(t, "gini", c.Gini, 0.25, 1e-12)
	// Lorenz at 50% of creators: (1+2)/10.
	near(t, "lorenz x", c.LorenzX[2], 0.5, 0)
	near(t, "lorenz y", c.LorenzY[2], 0.3, 1e-12)
	near(t, "lorenz end", c.LorenzY[4], 1, 1e-12)
	// Top 10% of 4 creators is ⌈0.4⌉ = 1 creator: 4/10.
	near(t, "top10", c.Top10, 0.4, 1e-12)
	near(t, "top1", c.Top1, 0.4, 1e-12)

	equal := Concentrate([]float64{5, 5, 5, 5, 5}, 5)
	near(t, "equal gini", equal.Gini, 0, 1e-12)
	one := Concentrate([]float64{0, 0, 0, 0, 10}, 5)
	near(t, "one seller gini", one.Gini, 0.8, 1e-12) // (n−1)/n
}

func TestMedian(t *testing.T) {
	near(t, "odd", Median([]float64{5, 1, 3}), 3, 0)
	near(t, "even", Median([]float64{4, 1, 3, 2}), 2.5, 0)
	if !math.IsNaN(Median(nil)) {
		t.Error("median of nothing should be NaN")
	}
}

func TestCanonicalHandle(t *testing.T) {
	for in, want := range map[string]string{
		"@MiaBeauty":     "miabeauty",
		" miabeauty ":    "miabeauty",
		"＠ｍｉａｂｅａｕｔｙ":     "miabeauty",
		"ＭｉａＢｅａｕｔｙ":      "miabeauty",
		"@shop.with.zoe": "shop.with.zoe",
	} {
		if got := CanonicalHandle(in); got != want {
			t.Errorf("CanonicalHandle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValueMid(t *testing.T) {
	r := Value{Kind: KindMoney, Estimate: true, Low: 1000000, High: 2500000}
	near(t, "geometric midpoint", r.Mid(), math.Sqrt(1e6*2.5e6), 1e-6)
	z := Value{Kind: KindMoney, Estimate: true, Low: 0, High: 100}
	near(t, "zero low", z.Mid(), 50, 0)
}

func TestAnalyzeMissingIsNotZero(t *testing.T) {
	v := func(n int64) *Value { return &Value{Kind: KindCount, Num: n} }
	g := func(n int64) *Value { return &Value{Kind: KindMoney, Num: n, Currency: "USD"} }
	s := Snapshot{Creators: []Creator{
		{Handle: "a", Followers: v(1000), GMV: g(100000), GMVUSD: 1000},
		{Handle: "b", Followers: v(10000), GMV: g(500000), GMVUSD: 5000},
		{Handle: "c", Followers: v(100000), GMV: g(0), GMVUSD: 0},
		{Handle: "d", Followers: v(50000)},          // GMV missing
		{Handle: "e", GMV: g(300000), GMVUSD: 3000}, // followers missing
	}}
	a := Analyze(s, 1, 5, 5)
	if a.MissingGMV != 1 || a.MissingFollowers != 1 || a.ZeroGMV != 1 || len(a.Points) != 2 || a.WithBoth != 3 {
		t.Fatalf("counts: missing gmv %d, missing followers %d, zero %d, points %d, both %d",
			a.MissingGMV, a.MissingFollowers, a.ZeroGMV, len(a.Points), a.WithBoth)
	}
	near(t, "total", a.TotalGMVUSD, 9000, 1e-9)
	if a.Points[0].Handle != "b" || a.Points[0].RankGMV != 1 || a.Points[0].RankFollow != 1 {
		t.Errorf("top point %+v", a.Points[0])
	}
	near(t, "tier 1K-10K share", a.Tiers[0].GMVShare, 1000.0/9000, 1e-12)
}

func TestValueJSONMatchesEncodingJSON(t *testing.T) {
	type plain Value // encoding/json's view, for comparison
	for _, v := range []Value{
		{Kind: KindCount, Raw: "0", Num: 0},
		{Kind: KindMoney, Raw: "$2.1M", Num: 210000000, Currency: "USD", Period: "28d"},
		{Kind: KindMoney, Raw: "$10K-$25K", Low: 1000000, High: 2500000, Estimate: true, Currency: "USD"},
		{Kind: KindPercent, Raw: "12.9%", Float: 12.9},
		{Kind: KindText, Raw: "<b>\"Zoë\" & co\u2028\x01\\</b> 💄", Text: "<b>\"Zoë\" & co\u2028\x01\\</b> 💄"},
		{Kind: KindText, Raw: "bad \xff utf8", Text: "bad \xff utf8"},
	} {
		got := v.AppendJSON(nil)
		var back Value
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: %v", got, err)
		}
		want := v
		want.Raw, want.Text = strings.ToValidUTF8(v.Raw, "\ufffd"), strings.ToValidUTF8(v.Text, "\ufffd")
		if back != want {
			t.Errorf("round trip of %s gave %+v, want %+v", got, back, want)
		}
		std, _ := json.Marshal(plain(v))
		var a, b map[string]any
		json.Unmarshal(std, &a)
		json.Unmarshal(got, &b)
		delete(a, "num")
		delete(b, "num")
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("AppendJSON %s, encoding/json %s", got, std)
		}
		if strings.ContainsAny(string(got), "<>&\u2028") {
			t.Errorf("%s is not HTML-safe", got)
		}
	}
}
