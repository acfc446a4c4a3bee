;; Kernels that run on tfjs-backend-wasm's own heap (the memory is imported, so tensors are read
;; and written in place): the max-pool gradient (first-maximum search and scatter), and the bias
;; add. Source of src/wasm/simd/module.ts, which `pnpm --filter @zoo/backend build:simd`
;; regenerates (test/wasm-simd-module.test.ts checks it is current). The import line is rewritten
;; to a shared memory for the threaded wasm build.
;;
;; Why wasm SIMD: finding each window's first maximum in JavaScript is bound by mispredicted
;; branches on real data (docs/performance.md); here it is a compare and two bit-selects per tap
;; over four channels, with no data-dependent branch. wasm's own broadcasting Add walks a general
;; index per element; a bias is four channels per instruction here.
(module
  (import "env" "memory" (memory 1)) ;; @memory
  ;; dx of a max pool over NHWC x, every element of dx written (it need not be zeroed). Each
  ;; output element (b, oh, ow, c) sends dy to the first position holding its window's maximum
  ;; (row-major window order, strictly greater wins, so the first of equal values), or nowhere when
  ;; no value in the window exceeds -Infinity (a window of NaNs, or of -Infinity, routes nowhere,
  ;; as on TF.js's cpu). One output row at a time: the first maxima go to idx (int32 scratch of
  ;; outW * C), then the row's dy is added at them, in output order as one scatter over the whole
  ;; tensor would add (so overlapping windows sum bit for bit as the JavaScript kernel does). x,
  ;; idx, dy and dx are byte addresses; the rest are TF.js's Conv2DInfo fields.
  ;;
  ;; Windows entirely inside the image (all of them with 'valid' padding) skip the bounds checks
  ;; and step their address and index vector by a constant per tap; 2x2 ones are straight-line.
  ;; Measured and not kept (docs/performance.md): adding dy per lane right after each window's
  ;; search, or storing a 2x2 window's dx as vectors, slower at AlexNet's sizes; f32x4.pmax for
  ;; the best value, slower on 3x3 windows.
  (func (export "maxPoolGrad")
    (param $x i32) (param $idx i32) (param $dy i32) (param $dx i32)
    (param $batch i32) (param $inH i32) (param $inW i32) (param $C i32)
    (param $outH i32) (param $outW i32)
    (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $fh i32) (param $fw i32) (param $padTop i32) (param $padLeft i32)
    (local $b i32) (local $oh i32) (local $ow i32) (local $c i32) (local $cc i32)
    (local $top i32) (local $left i32) (local $i i32) (local $j i32) (local $h i32) (local $w i32)
    (local $xb i32) (local $o i32) (local $p i32) (local $lastBlock i32)
    (local $rowC i32) (local $tapBytes i32) (local $rowBytes i32)
    (local $inside i32) (local $base i32)
    (local $rowAt i32) (local $at i32)
    (local $best v128) (local $bi v128) (local $v v128) (local $gt v128)
    (local $rowIdx v128) (local $tapIdx v128) (local $tapStep v128) (local $rowStep v128)
    (local $sbest f32) (local $sbi i32) (local $sv f32) (local $sgt i32) (local $two i32)
    (local $zeroed i32) (local $end i32) (local $rowN i32) (local $dyRow i32)
    ;; With C >= 4 channels go four at a time; the last block starts at C - 4 and may overlap the
    ;; one before it, which only rewrites the same indices.
    (local.set $lastBlock (i32.sub (local.get $C) (i32.const 4)))
    (local.set $rowC (i32.mul (local.get $inW) (local.get $C)))
    (local.set $tapBytes (i32.shl (i32.mul (local.get $dw) (local.get $C)) (i32.const 2)))
    (local.set $rowBytes (i32.shl (i32.mul (local.get $dh) (local.get $rowC)) (i32.const 2)))
    (local.set $tapStep (i32x4.splat (i32.mul (local.get $dw) (local.get $C))))
    (local.set $rowStep (i32x4.splat (i32.mul (local.get $dh) (local.get $rowC))))
    ;; 2x2 windows without dilation (LeNet's, alexnet-mini's) take a straight-line path: a loop of
    ;; two taps costs about as much as the taps themselves.
    (local.set $two (i32.and
      (i32.and (i32.eq (local.get $fh) (i32.const 2)) (i32.eq (local.get $fw) (i32.const 2)))
      (i32.and (i32.eq (local.get $dh) (i32.const 1)) (i32.eq (local.get $dw) (i32.const 1)))))
    (local.set $rowN (i32.mul (local.get $outW) (local.get $C)))
    (local.set $dyRow (local.get $dy))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_s (local.get $b) (local.get $batch)))
      (local.set $xb (i32.mul (local.get $b) (i32.mul (local.get $inH) (local.get $rowC))))
      (local.set $zeroed (i32.const 0))
      (local.set $oh (i32.const 0))
      (block $ohDone (loop $ohLoop
        (br_if $ohDone (i32.ge_s (local.get $oh) (local.get $outH)))
        (local.set $top (i32.sub (i32.mul (local.get $oh) (local.get $sh)) (local.get $padTop)))
        (local.set $o (i32.const 0))
        (local.set $ow (i32.const 0))
        (block $owDone (loop $owLoop
          (br_if $owDone (i32.ge_s (local.get $ow) (local.get $outW)))
          (local.set $left (i32.sub (i32.mul (local.get $ow) (local.get $sw)) (local.get $padLeft)))
          (local.set $inside (i32.and
            (i32.and (i32.ge_s (local.get $top) (i32.const 0)) (i32.le_s (i32.add (local.get $top) (local.get $fh)) (local.get $inH)))
            (i32.and (i32.ge_s (local.get $left) (i32.const 0)) (i32.le_s (i32.add (local.get $left) (local.get $fw)) (local.get $inW)))))
          (local.set $base (i32.add (local.get $xb)
            (i32.add (i32.mul (local.get $top) (local.get $rowC)) (i32.mul (local.get $left) (local.get $C)))))
          (local.set $c (i32.const 0))
          (block $cDone (loop $cLoop
            (br_if $cDone (i32.ge_s (local.get $c) (local.get $C)))
            (if (i32.ge_s (local.get $lastBlock) (i32.const 0))
              (then
                (local.set $cc (select (local.get $c) (local.get $lastBlock) (i32.le_s (local.get $c) (local.get $lastBlock))))
                (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
                (local.set $bi (v128.const i32x4 -1 -1 -1 -1))
                (if (local.get $inside)
                  (then (block $tapsDone
                    (local.set $p (i32.add (local.get $base) (local.get $cc)))
                    (local.set $rowIdx (i32x4.add (i32x4.splat (local.get $p)) (v128.const i32x4 0 1 2 3)))
                    (local.set $rowAt (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
                    (if (local.get $two)
                      (then
                        ;; The taps in row-major order: (0,0), (0,1), (1,0), (1,1).
                        (local.set $v (v128.load align=4 (local.get $rowAt)))
                        (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                        (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
                        (local.set $bi (v128.bitselect (local.get $rowIdx) (local.get $bi) (local.get $gt)))
                        (local.set $v (v128.load align=4 (i32.add (local.get $rowAt) (local.get $tapBytes))))
                        (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                        (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
                        (local.set $bi (v128.bitselect (i32x4.add (local.get $rowIdx) (local.get $tapStep)) (local.get $bi) (local.get $gt)))
                        (local.set $rowAt (i32.add (local.get $rowAt) (local.get $rowBytes)))
                        (local.set $rowIdx (i32x4.add (local.get $rowIdx) (local.get $rowStep)))
                        (local.set $v (v128.load align=4 (local.get $rowAt)))
                        (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                        (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
                        (local.set $bi (v128.bitselect (local.get $rowIdx) (local.get $bi) (local.get $gt)))
                        (local.set $v (v128.load align=4 (i32.add (local.get $rowAt) (local.get $tapBytes))))
                        (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                        (local.set $bi (v128.bitselect (i32x4.add (local.get $rowIdx) (local.get $tapStep)) (local.get $bi) (local.get $gt)))
                        (br $tapsDone)))
                    (local.set $i (i32.const 0))
                    (block $fhDone (loop $fhLoop
                      (br_if $fhDone (i32.ge_s (local.get $i) (local.get $fh)))
                      (local.set $tapIdx (local.get $rowIdx))
                      (local.set $at (local.get $rowAt))
                      (local.set $j (i32.const 0))
                      (block $fwDone (loop $fwLoop
                        (br_if $fwDone (i32.ge_s (local.get $j) (local.get $fw)))
                        (local.set $v (v128.load align=4 (local.get $at)))
                        (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                        (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
                        (local.set $bi (v128.bitselect (local.get $tapIdx) (local.get $bi) (local.get $gt)))
                        (local.set $tapIdx (i32x4.add (local.get $tapIdx) (local.get $tapStep)))
                        (local.set $at (i32.add (local.get $at) (local.get $tapBytes)))
                        (local.set $j (i32.add (local.get $j) (local.get $dw)))
                        (br $fwLoop)))
                      (local.set $rowIdx (i32x4.add (local.get $rowIdx) (local.get $rowStep)))
                      (local.set $rowAt (i32.add (local.get $rowAt) (local.get $rowBytes)))
                      (local.set $i (i32.add (local.get $i) (local.get $dh)))
                      (br $fhLoop)))))
                  (else
                    (local.set $i (i32.const 0))
                    (block $bfhDone (loop $bfhLoop
                      (br_if $bfhDone (i32.ge_s (local.get $i) (local.get $fh)))
                      (local.set $h (i32.add (local.get $top) (local.get $i)))
                      ;; Unsigned: a row above the image (h < 0) wraps past inH.
                      (if (i32.lt_u (local.get $h) (local.get $inH))
                        (then
                          (local.set $j (i32.const 0))
                          (block $bfwDone (loop $bfwLoop
                            (br_if $bfwDone (i32.ge_s (local.get $j) (local.get $fw)))
                            (local.set $w (i32.add (local.get $left) (local.get $j)))
                            (if (i32.lt_u (local.get $w) (local.get $inW))
                              (then
                                (local.set $p (i32.add (i32.add (local.get $xb)
                                  (i32.add (i32.mul (local.get $h) (local.get $rowC)) (i32.mul (local.get $w) (local.get $C))))
                                  (local.get $cc)))
                                (local.set $v (v128.load align=4 (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
                                (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
                                (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
                                (local.set $bi (v128.bitselect
                                  (i32x4.add (i32x4.splat (local.get $p)) (v128.const i32x4 0 1 2 3))
                                  (local.get $bi) (local.get $gt)))))
                            (local.set $j (i32.add (local.get $j) (local.get $dw)))
                            (br $bfwLoop)))))
                      (local.set $i (i32.add (local.get $i) (local.get $dh)))
                      (br $bfhLoop)))))
                (v128.store align=4 (i32.add (local.get $idx) (i32.shl (i32.add (local.get $o) (local.get $cc)) (i32.const 2))) (local.get $bi))
                (local.set $c (i32.add (local.get $c) (i32.const 4))))
              (else
                (local.set $sbest (f32.const -inf))
                (local.set $sbi (i32.const -1))
                (local.set $i (i32.const 0))
                (block $cfhDone (loop $cfhLoop
                  (br_if $cfhDone (i32.ge_s (local.get $i) (local.get $fh)))
                  (local.set $h (i32.add (local.get $top) (local.get $i)))
                  (if (i32.lt_u (local.get $h) (local.get $inH))
                    (then
                      (local.set $j (i32.const 0))
                      (block $cfwDone (loop $cfwLoop
                        (br_if $cfwDone (i32.ge_s (local.get $j) (local.get $fw)))
                        (local.set $w (i32.add (local.get $left) (local.get $j)))
                        (if (i32.lt_u (local.get $w) (local.get $inW))
                          (then
                            (local.set $p (i32.add (i32.add (local.get $xb)
                              (i32.add (i32.mul (local.get $h) (local.get $rowC)) (i32.mul (local.get $w) (local.get $C))))
                              (local.get $c)))
                            (local.set $sv (f32.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
                            (local.set $sgt (f32.gt (local.get $sv) (local.get $sbest)))
                            (local.set $sbest (select (local.get $sv) (local.get $sbest) (local.get $sgt)))
                            (local.set $sbi (select (local.get $p) (local.get $sbi) (local.get $sgt)))))
                        (local.set $j (i32.add (local.get $j) (local.get $dw)))
                        (br $cfwLoop)))))
                  (local.set $i (i32.add (local.get $i) (local.get $dh)))
                  (br $cfhLoop)))
                (i32.store (i32.add (local.get $idx) (i32.shl (i32.add (local.get $o) (local.get $c)) (i32.const 2))) (local.get $sbi))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))))
            (br $cLoop)))
          (local.set $o (i32.add (local.get $o) (local.get $C)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $owLoop)))
        ;; Zero the dx rows this output row is the first to reach, then add its dy: the rows are
        ;; still in cache for the additions, where zeroing all of dx first would have evicted them.
        (local.set $end (select (i32.add (local.get $top) (local.get $fh)) (local.get $inH)
          (i32.lt_s (i32.add (local.get $top) (local.get $fh)) (local.get $inH))))
        (if (i32.gt_s (local.get $end) (local.get $zeroed))
          (then
            (memory.fill
              (i32.add (local.get $dx) (i32.shl (i32.add (local.get $xb) (i32.mul (local.get $zeroed) (local.get $rowC))) (i32.const 2)))
              (i32.const 0)
              (i32.shl (i32.mul (i32.sub (local.get $end) (local.get $zeroed)) (local.get $rowC)) (i32.const 2)))
            (local.set $zeroed (local.get $end))))
        (call $scatterAdd (local.get $idx) (local.get $dyRow) (local.get $dx) (local.get $rowN))
        (local.set $dyRow (i32.add (local.get $dyRow) (i32.shl (local.get $rowN) (i32.const 2))))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $ohLoop)))
      ;; Rows no window reads (the last of an odd size with 'valid' padding) get no gradient.
      (if (i32.gt_s (local.get $inH) (local.get $zeroed))
        (then
          (memory.fill
            (i32.add (local.get $dx) (i32.shl (i32.add (local.get $xb) (i32.mul (local.get $zeroed) (local.get $rowC))) (i32.const 2)))
            (i32.const 0)
            (i32.shl (i32.mul (i32.sub (local.get $inH) (local.get $zeroed)) (local.get $rowC)) (i32.const 2)))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; dx[idx[j]] += dy[j] for the n output elements whose idx is not -1, in order of j (as the
  ;; JavaScript kernel adds). Byte addresses.
  (func $scatterAdd (param $idx i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $j i32) (local $at i32)
    (block $done (loop $loop
      (br_if $done (i32.ge_s (local.get $j) (local.get $n)))
      (local.set $at (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))))
      (if (i32.ge_s (local.get $at) (i32.const 0))
        (then
          (local.set $at (i32.add (local.get $dx) (i32.shl (local.get $at) (i32.const 2))))
          (f32.store (local.get $at) (f32.add (f32.load (local.get $at))
            (f32.load (i32.add (local.get $dy) (i32.shl (local.get $j) (i32.const 2))))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $loop))))

  ;; out = x + bias over NHWC (or any [..., C]) x and a [C] bias, for `pixels` rows of C channels.
  ;; With C >= 4, four channels at a time, the last block overlapping the one before (it writes the
  ;; same sums again). Byte addresses; out must not overlap x.
  (func (export "biasAdd") (param $x i32) (param $bias i32) (param $out i32) (param $pixels i32) (param $C i32)
    (local $p i32) (local $c i32) (local $cc i32) (local $last i32) (local $row i32) (local $rowBytes i32)
    (local.set $last (i32.sub (local.get $C) (i32.const 4)))
    (local.set $rowBytes (i32.shl (local.get $C) (i32.const 2)))
    (block $done (loop $loop
      (br_if $done (i32.ge_s (local.get $p) (local.get $pixels)))
      (local.set $c (i32.const 0))
      (if (i32.ge_s (local.get $last) (i32.const 0))
        (then
          (block $vDone (loop $vLoop
            (br_if $vDone (i32.ge_s (local.get $c) (local.get $C)))
            (local.set $cc (i32.shl
              (select (local.get $c) (local.get $last) (i32.le_s (local.get $c) (local.get $last)))
              (i32.const 2)))
            (v128.store align=4 (i32.add (local.get $out) (i32.add (local.get $row) (local.get $cc)))
              (f32x4.add
                (v128.load align=4 (i32.add (local.get $x) (i32.add (local.get $row) (local.get $cc))))
                (v128.load align=4 (i32.add (local.get $bias) (local.get $cc)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vLoop))))
        (else
          (block $sDone (loop $sLoop
            (br_if $sDone (i32.ge_s (local.get $c) (local.get $C)))
            (local.set $cc (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (i32.add (local.get $out) (i32.add (local.get $row) (local.get $cc)))
              (f32.add
                (f32.load (i32.add (local.get $x) (i32.add (local.get $row) (local.get $cc))))
                (f32.load (i32.add (local.get $bias) (local.get $cc)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $sLoop)))))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $loop))))
)
