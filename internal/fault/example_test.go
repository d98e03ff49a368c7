package fault_test

import (
	"fmt"
	"time"

	"kaohe/internal/fault"
)

func ExampleBackoff() {
	for attempt := 1; attempt <= 4; attempt++ {
		fmt.Println(fault.Backoff(attempt, time.Minute, 5*time.Minute, 0.999999999).Round(time.Second))
	}
	// Output:
	// 1m0s
	// 2m0s
	// 4m0s
	// 5m0s
}
