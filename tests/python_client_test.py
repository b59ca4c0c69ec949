#!/usr/bin/python3
"""Every RPC of recsys-server called from Python, as a non-C++ client would.

The Python stubs are generated at test time from the repository's .proto
files with protoc and grpc_python_plugin, so the test checks the protos as
shipped. A tiny model is trained with recsys-train; recsys-server serves it
on free loopback ports.

Usage: python_client_test.py BIN_DIR PROTO_DIR [unittest args]
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

DEADLINE_SECONDS = 10
GRPC_PLUGIN = "/usr/bin/grpc_python_plugin"

BIN_DIR = None
PROTO_DIR = None


def generate_stubs(out_dir):
    """Runs protoc into out_dir and makes the modules importable."""
    protos = ["recsys/v1/recommender.proto", "grpc/health/v1/health.proto",
              "grpc/reflection/v1alpha/reflection.proto"]
    os.makedirs(out_dir)
    test_protos = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "protos")
    subprocess.run(
        ["protoc", "-I", PROTO_DIR, "-I", test_protos,
         "--python_out=" + out_dir, "--grpc_out=" + out_dir,
         "--plugin=protoc-gen-grpc=" + GRPC_PLUGIN] + protos,
        check=True)
    sys.path.insert(0, out_dir)
    import grpc  # noqa: F401 (the installed package; see below)
    # health.proto generates grpc/health/v1/*.py, inside the name of the
    # installed grpc package, which wins the import; extend its search path
    # so that grpc.health resolves to the generated modules.
    grpc.__path__.append(os.path.join(out_dir, "grpc"))


class PythonClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="recsys_python_client_")
        cls.server = None
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls):
        generate_stubs(os.path.join(cls.tmp, "gen"))
        import grpc
        from grpc.health.v1 import health_pb2, health_pb2_grpc
        from recsys.v1 import recommender_pb2, recommender_pb2_grpc
        cls.grpc = grpc
        cls.health_pb2 = health_pb2
        cls.pb = recommender_pb2

        model_dir = os.path.join(cls.tmp, "m")
        subprocess.run(
            [os.path.join(BIN_DIR, "recsys-train"), "train",
             "--model_dir=" + model_dir, "--demo_users=300",
             "--demo_tracks=800", "--factors=8", "--iterations=4",
             "--log_level=warning"],
            check=True, stdout=subprocess.DEVNULL, timeout=300)

        cls.log_path = os.path.join(cls.tmp, "server.log")
        cls.log = open(cls.log_path, "w+")
        cls.server = subprocess.Popen(
            [os.path.join(BIN_DIR, "recsys-server"), "--model_dir=" + model_dir,
             "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
             "--reload_interval_seconds=0"],
            stdout=cls.log, stderr=cls.log)
        grpc_port = None
        give_up = time.monotonic() + 60
        while grpc_port is None and time.monotonic() < give_up:
            if cls.server.poll() is not None:
                raise RuntimeError("recsys-server exited:\n" + cls._log_text())
            match = re.search(r"event=server_started .*grpc_port=(\d+)",
                              cls._log_text())
            if match:
                grpc_port = int(match.group(1))
            else:
                time.sleep(0.05)
        if grpc_port is None:
            raise RuntimeError("no server_started line:\n" + cls._log_text())

        cls.channel = grpc.insecure_channel("127.0.0.1:%d" % grpc_port)
        cls.stub = recommender_pb2_grpc.RecommenderStub(cls.channel)
        cls.health = health_pb2_grpc.HealthStub(cls.channel)

    @classmethod
    def _log_text(cls):
        with open(cls.log_path) as f:
            return f.read()

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "channel", None) is not None:
            cls.channel.close()
        if cls.server is not None and cls.server.poll() is None:
            cls.server.send_signal(signal.SIGTERM)
            try:
                cls.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                cls.server.kill()
                cls.server.wait()
        if getattr(cls, "log", None) is not None:
            cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # Helpers.

    def call(self, method, request):
        return method(request, timeout=DEADLINE_SECONDS)

    def model_info(self):
        return self.call(self.stub.GetModelInfo, self.pb.GetModelInfoRequest())

    def a_user_and_track(self):
        """A known user and one track recommended to them."""
        response = self.call(self.stub.Recommend,
                             self.pb.RecommendRequest(user_id="u000001",
                                                      count=1))
        self.assertEqual(len(response.items), 1)
        return "u000001", response.items[0].track

    # Tests, one per RPC.

    def test_reflection_lists_describes_and_calls_like_a_generic_tool(self):
        """Server reflection, used the way grpcurl uses it: list the
        services, fetch the descriptors, and call a method with messages
        built from those descriptors alone (no generated recsys code)."""
        from google.protobuf import descriptor_pb2, descriptor_pool
        from google.protobuf import message_factory
        from grpc.reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
        stub = reflection_pb2_grpc.ServerReflectionStub(self.channel)

        def ask(**request):
            responses = stub.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(**request)]),
                timeout=DEADLINE_SECONDS)
            return next(iter(responses))

        services = [s.name for s in
                    ask(list_services="").list_services_response.service]
        self.assertIn("recsys.v1.Recommender", services)
        self.assertIn("grpc.health.v1.Health", services)

        files = ask(file_containing_symbol="recsys.v1.Recommender")
        protos = [descriptor_pb2.FileDescriptorProto.FromString(raw) for raw in
                  files.file_descriptor_response.file_descriptor_proto]
        main = [p for p in protos if p.package == "recsys.v1"][0]
        methods = [m.name for m in main.service[0].method]
        for name in ("Recommend", "Radio", "RelatedArtists", "NowPlaying",
                     "GetModelInfo", "Feedback"):
            self.assertIn(name, methods)

        pool = descriptor_pool.DescriptorPool()
        for proto in protos:
            pool.Add(proto)
        factory = message_factory.MessageFactory(pool)
        request_class = factory.GetPrototype(
            pool.FindMessageTypeByName("recsys.v1.GetModelInfoRequest"))
        response_class = factory.GetPrototype(
            pool.FindMessageTypeByName("recsys.v1.ModelInfo"))
        call = self.channel.unary_unary(
            "/recsys.v1.Recommender/GetModelInfo",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString)
        info = call(request_class(), timeout=DEADLINE_SECONDS)
        self.assertEqual(info.model_version, "v000001")

    def test_health_is_serving(self):
        for service in ("", "recsys.v1.Recommender"):
            response = self.call(
                self.health.Check,
                self.health_pb2.HealthCheckRequest(service=service))
            self.assertEqual(response.status,
                             self.health_pb2.HealthCheckResponse.SERVING)

    def test_model_info(self):
        info = self.model_info()
        self.assertEqual(info.model_version, "v000001")
        self.assertEqual(info.num_users, 300)
        self.assertEqual(info.num_tracks, 800)
        self.assertEqual(info.cf_dimensions, 8)
        self.assertGreater(info.num_artists, 0)
        self.assertGreater(len(info.genres), 0)
        self.assertIn("cf", info.blend_weights)

    def test_recommend_home(self):
        response = self.call(
            self.stub.Recommend,
            self.pb.RecommendRequest(user_id="u000001", count=7))
        self.assertEqual(len(response.items), 7)
        self.assertEqual(response.model_version, "v000001")
        self.assertTrue(response.variant)
        self.assertFalse(response.cold_start)
        ids = [item.track.track_id for item in response.items]
        self.assertEqual(len(set(ids)), 7)
        scores = [item.score for item in response.items]
        self.assertEqual(scores, sorted(scores, reverse=True))
        for item in response.items:
            self.assertNotEqual(item.reason.kind,
                                self.pb.Reason.KIND_UNSPECIFIED)
        # Excluded tracks never come back.
        again = self.call(
            self.stub.Recommend,
            self.pb.RecommendRequest(user_id="u000001", count=7,
                                     exclude_track_ids=ids[:3]))
        self.assertFalse(set(ids[:3]) & {i.track.track_id for i in again.items})

    def test_recommend_discover_weekly(self):
        request = self.pb.RecommendRequest(
            user_id="u000002", count=10, surface=self.pb.DISCOVER_WEEKLY)
        first = self.call(self.stub.Recommend, request)
        self.assertEqual(len(first.items), 10)
        # One track per artist by default, and the same list all week.
        artists = [item.track.artist_id for item in first.items]
        self.assertEqual(len(set(artists)), len(artists))
        second = self.call(self.stub.Recommend, request)
        self.assertEqual([i.track.track_id for i in first.items],
                         [i.track.track_id for i in second.items])

    def test_recommend_daily_mix(self):
        response = self.call(
            self.stub.Recommend,
            self.pb.RecommendRequest(user_id="u000003", count=5,
                                     surface=self.pb.DAILY_MIX, num_mixes=2))
        self.assertEqual(len(response.items), 0)
        self.assertGreaterEqual(len(response.mixes), 1)
        self.assertLessEqual(len(response.mixes), 2)
        seen = set()
        for mix in response.mixes:
            self.assertTrue(mix.title)
            self.assertGreater(len(mix.items), 0)
            self.assertLessEqual(len(mix.items), 5)
            for item in mix.items:
                self.assertNotIn(item.track.track_id, seen)  # one mix each
                seen.add(item.track.track_id)

    def test_recommend_rejects_negative_count(self):
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.call(self.stub.Recommend,
                      self.pb.RecommendRequest(user_id="u000001", count=-1))
        self.assertEqual(caught.exception.code(),
                         self.grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("count", caught.exception.details())

    def test_radio_pages(self):
        _, track = self.a_user_and_track()
        first = self.call(
            self.stub.Radio,
            self.pb.RadioRequest(seed_track_id=track.track_id, count=8))
        self.assertEqual(len(first.items), 8)
        self.assertEqual(first.model_version, "v000001")
        self.assertTrue(first.next_page_token)
        second = self.call(
            self.stub.Radio,
            self.pb.RadioRequest(page_token=first.next_page_token, count=8))
        self.assertEqual(len(second.items), 8)
        self.assertTrue(second.next_page_token)
        self.assertNotEqual(second.next_page_token, first.next_page_token)
        played = [i.track.track_id for i in list(first.items) +
                  list(second.items)]
        self.assertEqual(len(set(played)), 16, "a station repeated a track")

    def test_radio_unknown_seed_is_not_found(self):
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.call(self.stub.Radio,
                      self.pb.RadioRequest(seed_track_id="no-such-track"))
        self.assertEqual(caught.exception.code(),
                         self.grpc.StatusCode.NOT_FOUND)

    def test_related_artists(self):
        _, track = self.a_user_and_track()
        response = self.call(
            self.stub.RelatedArtists,
            self.pb.RelatedArtistsRequest(artist_id=track.artist_id, count=5))
        self.assertEqual(len(response.artists), 5)
        self.assertEqual(response.model_version, "v000001")
        ids = [a.artist.artist_id for a in response.artists]
        self.assertNotIn(track.artist_id, ids)
        self.assertEqual(len(set(ids)), 5)

    def test_now_playing(self):
        user, track = self.a_user_and_track()
        response = self.call(
            self.stub.NowPlaying,
            self.pb.NowPlayingRequest(current_track_id=track.track_id,
                                      user_id=user, count=6))
        self.assertEqual(len(response.up_next), 6)
        self.assertGreater(len(response.related_artists), 0)
        self.assertEqual(response.model_version, "v000001")
        everything = (list(response.up_next) + list(response.more_by_artist))
        for item in everything:
            self.assertNotEqual(item.track.track_id, track.track_id)
        for item in response.more_by_artist:
            self.assertEqual(item.track.artist_id, track.artist_id)

    def test_feedback(self):
        user, track = self.a_user_and_track()
        event_type = self.pb.FeedbackEvent
        response = self.call(
            self.stub.Feedback,
            self.pb.FeedbackRequest(events=[
                event_type(user_id=user, track_id=track.track_id,
                           type=event_type.IMPRESSION, surface="home"),
                event_type(user_id=user, track_id=track.track_id,
                           type=event_type.PLAY, surface="home"),
            ]))
        self.assertEqual(response.accepted, 2)
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.call(self.stub.Feedback, self.pb.FeedbackRequest())
        self.assertEqual(caught.exception.code(),
                         self.grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python_client_test.py BIN_DIR PROTO_DIR")
    BIN_DIR, PROTO_DIR = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0]] + sys.argv[3:], verbosity=2)
