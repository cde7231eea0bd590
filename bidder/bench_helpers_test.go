package bidder

// benchCampaigns is the benchmarks' book of business.
func benchCampaigns(n int, seed uint64) []*Campaign {
	return SyntheticCampaigns(n, seed, "https://cdn.test")
}
