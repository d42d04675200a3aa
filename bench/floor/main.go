// Command floor measures the floor of a build: read every article file under
// a folder and split it into lines, on two goroutines — the work no feed
// generator can avoid. It prints the wall time.
//
//	go run ./bench/floor DIR
package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor DIR")
		os.Exit(2)
	}
	start := time.Now()
	var paths []string
	err := filepath.WalkDir(os.Args[1], func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	next := make(chan string)
	var lines [2]int
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for p := range next {
				b, err := os.ReadFile(p)
				if err != nil {
					continue
				}
				lines[w] += len(bytes.Split(b, []byte{'\n'}))
			}
		})
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
	fmt.Printf("floor: %d files, %d lines in %.3fs\n", len(paths), lines[0]+lines[1], time.Since(start).Seconds())
}
