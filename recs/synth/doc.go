// Package synth is a synthetic audience for recs: seeded viewers with latent tastes who are
// shown lists of titles and click and play some of them, so that a recommender can be
// trained and judged against a ground truth that is known exactly.
//
// The world:
//
//   - every genre has a random direction in a latent space; a title's latent vector is the
//     mean of its genres' (the primary one counting double) plus noise, and a viewer's taste
//     is a mix of one to three genres plus noise: taste · title is the viewer's true affinity;
//   - titles have Zipf popularity (exponent ZipfS) that adds to every viewer's affinity;
//   - viewers' activity is Zipf too: a few watch a lot, most a little; each has a country
//     and 10% are kids' profiles (nothing above PG);
//   - a logging policy shows each session a list of titles the viewer may see then: a share
//     (PreviousShare) picked by a "previous recommender" that knows tastes only through noise
//     (PreviousNoise), the rest half popularity-weighted and half uniform; the viewer examines position p with probability
//     p^−PositionDecay (position bias), clicks an examined title with probability
//     σ(Base + TasteWeight·affinity + popularity) (logistic clicks), plays a clicked one with
//     probability PlayGivenClick, and never clicks a title already played.
//
// Generate emits what a real deployment records (analytics/events RecsServed, RecsAction
// click and play), in time order, with deterministic ids: the same Config gives the same
// events. `cuepoint recs generate` sends them through the real pipeline (producer → Kafka →
// sink → ClickHouse); tests hand them to recs/train directly. Affinity exposes the ground truth.
//
// Budget: about a microsecond per impression; the default world (5,000 viewers, 14 days,
// ~60k lists) generates in well under a second.
package synth
