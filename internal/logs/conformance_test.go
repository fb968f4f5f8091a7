package logs_test

import (
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/logstest"
)

func TestBuffer_Conformance(t *testing.T) {
	logstest.Run(t, func(t *testing.T) logs.Log { return logs.New(logs.Config{Lines: logstest.Lines}) })
}
